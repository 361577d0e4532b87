/**
 * Coverage as one self-contained static page: a heat map of proxies × log dates with a legend,
 * each state a colour and a symbol (told apart in greyscale and with any colour vision), the
 * reason and the runs on hover and in a table below, the time range and when it was made. No
 * script, no external URL: it reads the same from a file, a web server or a mail attachment.
 * Pure.
 */
import { printable } from "../text/printable.ts";
import {
  type Cell,
  type Coverage,
  type CoverageState,
  MEANINGS,
  STATES,
  SYMBOLS,
} from "./coverage.ts";
import type { CoverageVerdict } from "./coverage_verdict.ts";
import { calendar, cellNotes, describeTry, MERGE_SYMBOLS } from "./coverage_text.ts";

/** What the page says about itself. */
export interface PageInfo {
  /** When the page was made, ISO 8601. */
  generated: string;
  /** busmsg's version. */
  version: string;
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text from the bus as HTML text or attribute value: markup escaped, control characters shown. */
export function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c: string) => ENTITIES[c]!);
}

// Luminance falls with urgency, fetched (lightest) to retried, recovered, pending and lost
// (darkest), so the map reads in greyscale; blues for what was fetched and orange-brown / dark
// red for what was not keep apart with any colour vision, and the symbol says it again.
// Missing is hatched: no data, not a colour of its own.
const STYLE = `
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #1b1b1b; }
body { margin: 1.5rem; background: #fff; }
h1 { font-size: 1.4rem; margin: 0 0 .4rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
.verdict { font-weight: 600; padding: .4rem .6rem; border-left: .4rem solid; margin: .4rem 0; }
.v-OK { border-color: #2c7bb6; background: #eef3f8; }
.v-WARNING { border-color: #e08a00; background: #fdf1dc; }
.v-CRITICAL { border-color: #7a0019; background: #f6e3e6; }
.v-UNKNOWN { border-color: #555; background: #eee; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; margin: .6rem 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; }
ul.legend li { display: flex; align-items: center; gap: .4rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
table.heat th, table.heat td { border: 1px solid #fff; }
table.heat thead th { font-weight: 500; font-size: .72rem; color: #444; padding: 0 .1rem; text-align: center; }
table.heat tbody th { text-align: left; font-weight: 500; font-family: ui-monospace, monospace; font-size: .85rem; padding-right: .6rem; white-space: nowrap; }
.c { width: 1.6rem; height: 1.6rem; min-width: 1.6rem; text-align: center; font: 700 .95rem ui-monospace, monospace; }
span.c { display: inline-block; line-height: 1.6rem; border: 1px solid #ccc; }
.s-fetched { background: #f1f5f9; color: #5a7894; }
.s-retried { background: #cfe4f4; color: #0b3050; }
.s-recovered { background: #7fb2de; color: #0b2038; }
.s-pending { background: #c06d00; color: #000; }
.s-unverified { background: #f2d64b; color: #000; outline: 2px dotted #000; outline-offset: -4px; }
.s-late { background: #3d1a66; color: #fff; }
.s-lost { background: #7a0019; color: #fff; }
.s-missing { background: repeating-linear-gradient(135deg, #fff 0 4px, #b0b0b0 4px 6px); color: #000; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.s-none { background: #fff; color: #bbb; }
.m-merged { background: #eef3f8; color: #2c5d8a; }
.m-failed { background: #000; color: #fff; }
.m-running { background: #eee; color: #000; }
table.details td.notes { font-size: .85rem; }
code.cmd { font-size: .8rem; word-break: break-all; }
table.details th, table.details td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
table.details td.runs { font-size: .85rem; }
table.details td.date, table.details td.state { white-space: nowrap; }
table.details ul { margin: 0; padding-left: 1rem; }
footer { margin-top: 1.5rem; font-size: .8rem; color: #555; }
@media print { .scroll { overflow: visible; } }
`;

// The states worth a row in the table below the map, the worst first.
const DETAILED: CoverageState[] = [
  "lost",
  "late",
  "missing",
  "unverified",
  "pending",
  "recovered",
  "retried",
];

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The hover text of a cell: state, reason, and every run that tried it. */
function hover(proxy: string, date: string, cell: Cell): string {
  const lines = [`${proxy} ${date}: ${cell.state} (${MEANINGS[cell.state]})`];
  if (cell.last_reason !== undefined) lines.push(`last reason: ${cell.last_reason}`);
  lines.push(...cellNotes(cell));
  if (cell.nights_left !== undefined) lines.push(`${cell.nights_left} more night(s) will try it`);
  // A date fetched at once is most of the map: its first run says enough (and keeps a month
  // of 50 proxies a page of some hundred KiB rather than a megabyte).
  const shown = cell.state === "fetched" ? cell.runs.slice(0, 1) : cell.runs;
  for (const t of shown) lines.push(`run ${t.run_id} (${t.start}): ${describeTry(t)}`);
  if (shown.length < cell.runs.length) {
    lines.push(`and ${cell.runs.length - shown.length} later run(s)`);
  }
  // A newline in a title attribute is a line break in the tooltip.
  return lines.map(escapeHtml).join("&#10;");
}

/** The whole page: the verdict, then each log server's coverage (said when there are several). */
export function coverageHtml(
  coverages: Coverage | Coverage[],
  v: CoverageVerdict,
  info: PageInfo,
): string {
  const list = Array.isArray(coverages) ? coverages : [coverages];
  const froms = list.map((c) => c.from).filter((d) => d !== undefined).sort();
  const tos = list.map((c) => c.to).filter((d) => d !== undefined).sort();
  const range = froms.length === 0 ? "no log date" : `${froms[0]} to ${tos.at(-1)}`;
  const h: string[] = [];
  h.push(
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Log sync coverage: ${escapeHtml(range)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    "<h1>Log sync coverage</h1>",
    `<p class="verdict v-${v.state}" id="verdict">COVERAGE ${v.state} - ${
      escapeHtml(v.summary)
    }</p>`,
  );
  if (list.length > 1) {
    h.push(
      `<p id="servers">${list.length} log servers ran the sync: ${
        escapeHtml(list.map((c) => c.log_server).join(", "))
      }. Each is shown on its own: a date one fetched is not on the other.</p>`,
    );
  }
  if (list.length === 0) h.push("<p>No sync run found.</p>");
  h.push("</header>");
  list.forEach((c, i) => serverHtml(c, i, list.length > 1, info, h));
  h.push(
    `<footer>Made by <code>busmsg report --coverage</code> from the recorded logging.stats.sync and combinehttplogs events.</footer>`,
    "</body>",
    "</html>",
  );
  return h.join("\n") + "\n";
}

/** One log server's part of the page; ids get a suffix after the first server's. */
function serverHtml(c: Coverage, n: number, several: boolean, info: PageInfo, h: string[]): void {
  const days = calendar(c);
  const proxies = Object.keys(c.proxies);
  const id = (name: string) => (n === 0 ? name : `${name}-${n + 1}`);
  h.push(
    `<section class="server" data-server="${escapeHtml(c.log_server)}">`,
    several ? `<h2>Log server ${escapeHtml(c.log_server)}</h2>` : "",
    '<dl class="meta">',
    `<dt>Log server</dt><dd id="${id("server")}">${escapeHtml(c.log_server || "(no host)")}</dd>`,
    `<dt>Log dates</dt><dd id="${id("range")}">${
      c.from === undefined
        ? "none"
        : `<time datetime="${c.from}">${c.from}</time> to <time datetime="${c.to}">${c.to}</time> (${days.length} day${
          days.length === 1 ? "" : "s"
        })`
    }</dd>`,
    `<dt>Runs</dt><dd id="${id("runs")}">${
      c.runs.length === 0
        ? "none"
        : `${c.runs.length}, started ${escapeHtml(c.runs[0]!.start)} to ${
          escapeHtml(c.runs.at(-1)!.start)
        }`
    }</dd>`,
    `<dt>Window</dt><dd>${c.window} night${
      c.window === 1 ? "" : "s"
    }: the runs of the ${c.window} nights after a log date try it</dd>`,
    `<dt>Merge</dt><dd>${
      c.merged_elsewhere
        ? "runs no merge (another log server's merges are recorded)"
        : `log date D merged right after the run of night D+${c.merge_after} unless merge ` +
          "events say"
    }; DNF Counting reads ${escapeHtml(c.countme_hosts)}</dd>`,
    `<dt>Generated</dt><dd id="${id("generated")}"><time datetime="${escapeHtml(info.generated)}">${
      escapeHtml(info.generated)
    }</time> by busmsg ${escapeHtml(info.version)}</dd>`,
    "</dl>",
    `<section id="${id("legend")}" aria-label="Legend">`,
    "<h2>Legend</h2>",
    '<ul class="legend">',
  );
  for (const s of STATES) {
    h.push(
      `<li data-state="${s}"><span class="c s-${s}" aria-hidden="true">${
        escapeHtml(SYMBOLS[s])
      }</span><span><b>${s}</b> (${c.totals[s]}): ${escapeHtml(MEANINGS[s])}</span></li>`,
    );
  }
  h.push(
    '<li data-state="none"><span class="c s-none" aria-hidden="true"></span><span>blank: no run tried it</span></li>',
    "</ul>",
    "</section>",
    `<section id="${id("map")}" aria-label="Proxies by log date">`,
    "<h2>Proxies × log dates</h2>",
    '<div class="scroll"><table class="heat">',
    '<thead><tr><th scope="col">proxy</th>',
  );
  for (const d of days) {
    h.push(`<th scope="col" title="${d}">${d.slice(5, 7)}<br>${d.slice(8)}</th>`);
  }
  h.push("</tr></thead>", "<tbody>");
  for (const proxy of proxies) {
    const row = c.proxies[proxy]!;
    h.push(`<tr><th scope="row">${escapeHtml(proxy)}</th>`);
    for (const d of days) {
      const cell = row[d];
      h.push(
        cell
          ? `<td class="c s-${cell.state}" data-state="${cell.state}" data-date="${d}" title="${
            hover(proxy, d, cell)
          }">${escapeHtml(SYMBOLS[cell.state])}</td>`
          : `<td class="c s-none" data-state="none" data-date="${d}" title="${
            escapeHtml(`${proxy} ${d}: no run tried it`)
          }"></td>`,
      );
    }
    h.push("</tr>");
  }
  if (Object.keys(c.merges).length > 0) {
    h.push('<tr class="merge"><th scope="row">(merge)</th>');
    for (const d of days) {
      const m = c.merges[d];
      const last = m?.runs.at(-1);
      h.push(
        m
          ? `<td class="c m-${m.status}" data-merge="${m.status}" data-date="${d}" title="${
            escapeHtml(
              `merge of ${d}: ${m.status}` +
                (last
                  ? ` (run ${last.run_id} started ${last.start}` +
                    (last.finish ? `, finished ${last.finish}` : "") +
                    (last.result !== undefined ? `, result ${JSON.stringify(last.result)}` : "") +
                    ")"
                  : ""),
            )
          }">${MERGE_SYMBOLS[m.status]}</td>`
          : `<td class="c s-none" data-merge="none" data-date="${d}" title="${
            escapeHtml(`merge of ${d}: no event (merged after the run of night D+${c.merge_after})`)
          }"></td>`,
      );
    }
    h.push("</tr>");
  }
  h.push("</tbody></table></div>", "</section>");
  for (const [date, m] of Object.entries(c.merges)) {
    if (m.status !== "failed") continue;
    const last = m.runs.at(-1)!;
    h.push(
      `<p class="verdict v-CRITICAL merge-failed" data-date="${date}">Merge of ${date} failed (${
        last.finish === undefined
          ? "never finished"
          : `result ${escapeHtml(JSON.stringify(last.result ?? ""))}`
      }): every proxy of that date is missing from DNF Counting. Re-run the merge for ${date}, ` +
        `then countme's raw update from ${date} on.</p>`,
    );
  }
  for (const date of c.unmerged ?? []) {
    h.push(
      `<p class="verdict v-CRITICAL merge-unrecorded" data-date="${date}">No merge of ${date} ` +
        "was recorded, while merges of other dates are: DNF Counting has none of that date's " +
        `proxies unless it ran unrecorded. Re-run the merge for ${date}, then countme's raw ` +
        `update from ${date} on.</p>`,
    );
  }

  const rows: [string, string, Cell][] = [];
  for (const [proxy, row] of Object.entries(c.proxies)) {
    for (const [date, cell] of Object.entries(row)) {
      if (DETAILED.includes(cell.state)) rows.push([proxy, date, cell]);
    }
  }
  rows.sort(([p, d, a], [q, e, b]) =>
    DETAILED.indexOf(a.state) - DETAILED.indexOf(b.state) || compare(d, e) || compare(p, q)
  );
  h.push(`<section id="${id("details")}" aria-label="Dates that were not fetched at once">`);
  h.push("<h2>Dates not fetched at once</h2>");
  if (rows.length === 0) {
    h.push("<p>None: every date was fetched by the first run that tried it.</p>");
  } else {
    h.push(
      '<table class="details"><thead><tr><th>proxy</th><th>log date</th><th>state</th>' +
        "<th>last reason</th><th>what it means, what to do</th><th>runs that tried it</th></tr></thead><tbody>",
    );
    for (const [proxy, date, cell] of rows) {
      const runs = cell.runs.length === 0 ? "none" : "<ul>" +
        cell.runs.map((t) =>
          `<li>${escapeHtml(`${t.start} run ${t.run_id}: ${describeTry(t)}`)}${
            t.reason !== undefined && t.outcome !== "skipped" ? ` (${escapeHtml(t.reason)})` : ""
          }</li>`
        ).join("") + "</ul>";
      h.push(
        `<tr data-state="${cell.state}"><td>${escapeHtml(proxy)}</td><td class="date">${
          escapeHtml(date)
        }</td>` +
          `<td class="state"><span class="c s-${cell.state}" aria-hidden="true">${
            escapeHtml(SYMBOLS[cell.state])
          }</span> ${cell.state}${
            cell.nights_left !== undefined
              ? ` (${cell.nights_left} more night${cell.nights_left === 1 ? "" : "s"})`
              : ""
          }</td><td class="reason">${
            escapeHtml(cell.last_reason ?? (cell.state === "missing" ? "no event" : ""))
          }</td><td class="notes">${notesHtml(cell)}</td><td class="runs">${runs}</td></tr>`,
      );
    }
    h.push("</tbody></table>");
  }
  h.push("</section>", "</section>");
}

/** A cell's notes (rsync code, week, recovery, remedy), commands as code. */
function notesHtml(cell: Cell): string {
  const notes = cellNotes(cell);
  if (notes.length === 0) return "";
  return "<ul>" + notes.map((n) => {
    const cmd = cell.recovery?.command;
    if (cmd === undefined || !n.includes(cmd)) return `<li>${escapeHtml(n)}</li>`;
    const [before, after] = [n.slice(0, n.indexOf(cmd)), n.slice(n.indexOf(cmd) + cmd.length)];
    return `<li>${escapeHtml(before)}<code class="cmd">${escapeHtml(cmd)}</code>${
      escapeHtml(after)
    }</li>`;
  }).join("") + "</ul>";
}
