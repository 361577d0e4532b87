/**
 * The coverage page in a real browser: `report --coverage --html` over six recorded nights,
 * rendered by headless Chromium; what the page shows is read back from the rendered DOM (cells,
 * symbols, colours, legend, a lost date's reason) and a screenshot is taken.
 */
import { assert, assertEquals, assertIncludes } from "../support/assert.ts";
import { busmsg } from "../support/run.ts";
import { COUNTME, countmeNights, sixNights, writeDayFiles } from "../support/nights.ts";
import { findChromium, withPage } from "../support/chromium.ts";

/** The symbol the page shows for each state --json gives (written here, not read from lib). */
const SYMBOLS: Record<string, string> = {
  fetched: ".",
  retried: "r",
  recovered: "R",
  late: "L",
  pending: "?",
  unverified: "U",
  lost: "X",
  missing: "-",
  none: "",
};

const chromium = await findChromium();
if (chromium.missing) console.log(`coverage page in a browser: skipped: ${chromium.missing}`);

interface Shown {
  rows: { proxy: string; cells: { date: string; state: string; text: string; bg: string }[] }[];
  legend: { state: string; text: string; bg: string }[];
  details: {
    proxy: string;
    date: string;
    state: string;
    reason: string;
    notes: string;
    runs: string;
  }[];
  verdict: string;
  range: string;
  generated: string;
  lostTitle: string;
  resources: number;
  scripts: number;
  width: number;
}

// What a person sees: rendered text (innerText), computed colours, the hover text.
const READ = `(() => {
  const bg = (e) => getComputedStyle(e).backgroundImage !== "none"
    ? "pattern" : getComputedStyle(e).backgroundColor;
  const rows = [...document.querySelectorAll("table.heat tbody tr")].map((tr) => ({
    proxy: tr.querySelector("th").innerText,
    cells: [...tr.querySelectorAll("td")].map((td) => ({
      date: td.dataset.date, state: td.dataset.state, text: td.innerText, bg: bg(td),
    })),
  }));
  const legend = [...document.querySelectorAll("#legend li")].map((li) => ({
    state: li.dataset.state, text: li.innerText, bg: bg(li.querySelector(".c")),
  }));
  const details = [...document.querySelectorAll("#details tbody tr")].map((tr) => {
    const td = [...tr.querySelectorAll("td")].map((c) => c.innerText);
    return { proxy: td[0], date: td[1], state: td[2], reason: td[3], notes: td[4], runs: td[5] };
  });
  const lost = document.querySelector('td[data-state="lost"]');
  return {
    rows, legend, details,
    verdict: document.querySelector("#verdict").innerText,
    range: document.querySelector("#range").innerText,
    generated: document.querySelector("#generated").innerText,
    lostTitle: lost ? lost.title : "",
    resources: performance.getEntriesByType("resource").length,
    scripts: document.scripts.length,
    width: document.querySelector("table.heat").getBoundingClientRect().width,
  };
})()`;

Deno.test({
  name: "coverage page: Chromium renders the heat map, legend and a lost date's reason; screenshot",
  ignore: chromium.missing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-coverage-page-" });
    const files = await writeDayFiles(dir, sixNights());
    await Deno.writeTextFile(`${dir}/proxies`, "proxy09.fedoraproject.org\n");
    const page = `${dir}/coverage.html`;
    const args = ["report", "--coverage", "--expect-hosts", `${dir}/proxies`, ...files];
    const made = await busmsg([...args, "--html", page]);
    assertEquals(made.code, 1, made.stderr);
    const json = await busmsg([...args, "--json"]);
    const want = JSON.parse(json.stdout) as {
      proxies: Record<string, Record<string, { state: string; last_reason?: string }>>;
    };

    const shot = `${dir}/coverage.png`;
    const shown = await withPage(chromium.path!, `file://${page}`, async (p) => {
      await Deno.writeFile(shot, await p.screenshot());
      return await p.evaluate<Shown>(READ);
    });
    // Kept (with the page) when an assertion below fails; removed at the end otherwise.
    console.log(`coverage page: screenshot ${shot}`);

    // Every proxy a row, every log date a column, each cell the state --json gives, shown
    // by its symbol.
    assertEquals(shown.rows.map((r) => r.proxy), Object.keys(want.proxies));
    for (const row of shown.rows) {
      assertEquals(row.cells.length, 8, row.proxy);
      for (const cell of row.cells) {
        const state = want.proxies[row.proxy]![cell.date!]?.state ?? "none";
        assertEquals([cell.state, cell.text], [state, SYMBOLS[state]], `${row.proxy} ${cell.date}`);
      }
    }
    // The legend names each state once, with the colour its cells have; no two alike.
    assertEquals(shown.legend.map((l) => l.state), [...Object.keys(SYMBOLS)]);
    const colour = new Map(shown.legend.map((l) => [l.state, l.bg]));
    assertEquals(new Set(colour.values()).size, 9, JSON.stringify([...colour]));
    for (const cell of shown.rows.flatMap((r) => r.cells)) {
      assertEquals(cell.bg, colour.get(cell.state), `${cell.state} cell colour`);
    }
    assertIncludes(shown.legend.find((l) => l.state === "lost")!.text, "lost (1)");

    // The lost date: its hover text and its row below the map give the reason and the runs.
    const lost = shown.details.find((d) => d.state.includes("lost"))!;
    assertEquals([lost.proxy, lost.date], ["proxy04.fedoraproject.org", "2026-11-30"]);
    assertEquals(lost.reason, "Error code: 23");
    assertEquals(lost.runs.split("\n").length, 3, lost.runs);
    assertIncludes(shown.lostTitle, "proxy04.fedoraproject.org 2026-11-30: lost");
    assertIncludes(shown.lostTitle, "last reason: Error code: 23");
    assertIncludes(
      shown.verdict,
      "COVERAGE CRITICAL - 1 date lost, missing from DNF Counting: proxy04.fedoraproject.org",
    );
    assertEquals(shown.range, "2026-11-28 to 2026-12-05 (8 days)");
    assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z by busmsg /.test(shown.generated));
    // Self-contained: nothing fetched, nothing run.
    assertEquals([shown.resources, shown.scripts], [0, 0]);
    assert(shown.width > 200, `the map is drawn (${shown.width} px wide)`);

    const png = await Deno.readFile(shot);
    assertEquals([...png.slice(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    assert(png.length > 10_000, `a screenshot with something on it (${png.length} bytes)`);
    await Deno.remove(dir, { recursive: true });
  },
});

// Per log server: each section's map, its merge row, and the states the details table names.
const READ_SERVERS = `(() => {
  const bg = (e) => getComputedStyle(e).backgroundImage !== "none"
    ? "pattern" : getComputedStyle(e).backgroundColor;
  return [...document.querySelectorAll("section.server")].map((s) => ({
    server: s.dataset.server,
    heading: s.querySelector("h2") ? s.querySelector("h2").innerText : "",
    rows: [...s.querySelectorAll("table.heat tbody tr:not(.merge)")].map((tr) => ({
      proxy: tr.querySelector("th").innerText,
      cells: [...tr.querySelectorAll("td")].map((td) => ({
        date: td.dataset.date, state: td.dataset.state, text: td.innerText, bg: bg(td),
      })),
    })),
    merge: [...s.querySelectorAll("tr.merge td")].map((td) => td.dataset.merge + ":" + td.innerText),
    legend: [...s.querySelectorAll("ul.legend li")].map((li) => ({
      state: li.dataset.state, bg: bg(li.querySelector(".c")),
    })),
    details: [...s.querySelectorAll("table.details tbody tr")].map((tr) => ({
      state: tr.dataset.state,
      cells: [...tr.querySelectorAll("td")].map((c) => c.innerText),
    })),
    failedMerge: [...s.querySelectorAll("p.merge-failed")].map((p) => p.innerText),
  }));
})()`;

interface ServerShown {
  server: string;
  heading: string;
  rows: { proxy: string; cells: { date: string; state: string; text: string; bg: string }[] }[];
  merge: string[];
  legend: { state: string; bg: string }[];
  details: { state: string; cells: string[] }[];
  failedMerge: string[];
}

Deno.test({
  name: "coverage page: Chromium renders late, unverified, a failed merge and two log servers",
  ignore: chromium.missing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "busmsg-coverage-page-" });
    const files = await writeDayFiles(dir, countmeNights());
    const page = `${dir}/coverage.html`;
    const made = await busmsg(["report", "--coverage", "--html", page, ...files]);
    assertEquals(made.code, 1, made.stderr);
    const json = await busmsg(["report", "--coverage", "--json", ...files]);
    const want = JSON.parse(json.stdout) as {
      servers: {
        log_server: string;
        proxies: Record<string, Record<string, { state: string }>>;
        merges: Record<string, { status: string }>;
      }[];
    };
    const shown = await withPage(
      chromium.path!,
      `file://${page}`,
      (p) => p.evaluate<ServerShown[]>(READ_SERVERS),
    );
    assertEquals(shown.map((s) => s.server), [COUNTME.old, COUNTME.new]);
    assertEquals(shown.map((s) => s.heading), [
      `Log server ${COUNTME.old}`,
      `Log server ${COUNTME.new}`,
    ]);
    const seen = new Set<string>();
    for (const [i, s] of shown.entries()) {
      const w = want.servers[i]!;
      assertEquals(s.rows.map((r) => r.proxy), Object.keys(w.proxies));
      const colour = new Map(s.legend.map((l) => [l.state, l.bg]));
      assertEquals(new Set(colour.values()).size, 9, JSON.stringify([...colour]));
      for (const row of s.rows) {
        for (const cell of row.cells) {
          const state = w.proxies[row.proxy]![cell.date]?.state ?? "none";
          seen.add(state);
          assertEquals(
            [cell.state, cell.text],
            [state, SYMBOLS[state]],
            `${row.proxy} ${cell.date}`,
          );
          assertEquals(cell.bg, colour.get(state), `${state} cell colour`);
        }
      }
    }
    // Every state of a proxy-date is on the page (missing needs --expect-hosts: the other test).
    assertEquals(
      [...seen].sort(),
      Object.keys(SYMBOLS).filter((s) => s !== "missing" && s !== "none").sort(),
    );
    const [old] = shown as [ServerShown, ServerShown];
    assertEquals(old.merge.filter((m) => m !== "none:"), [
      "merged:m",
      "merged:m",
      "merged:m",
      "merged:m",
      "failed:F",
      "merged:m",
    ]);
    assertEquals(old.failedMerge.length, 1);
    assertIncludes(old.failedMerge[0]!, 'Merge of 2026-12-03 failed (result "1")');
    const late = old.details.find((d) => d.state === "late")!;
    assertEquals(late.cells.slice(0, 2), ["proxy02.fedoraproject.org", "2026-12-01"]);
    assertIncludes(
      late.cells[4]!,
      "undercounts DNF Counting's week of 2026-11-30 (Mon) to 2026-12-06",
    );
    assertIncludes(late.cells[4]!, "re-run the merge for 2026-12-01");
    const silent = old.details.find((d) => d.state === "unverified")!;
    assertIncludes(silent.cells[3]!, "with no failure sent");
    await Deno.remove(dir, { recursive: true });
  },
});
