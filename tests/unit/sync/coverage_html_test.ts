import { assertEquals, assertIncludes, assertNotIncludes } from "../../support/assert.ts";
import { coverage, type CoverageRun, STATES } from "../../../lib/sync/coverage.ts";
import { coverageVerdict } from "../../../lib/sync/coverage_verdict.ts";
import { coverageHtml, escapeHtml } from "../../../lib/sync/coverage_html.ts";

const hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">';

function page(runs: CoverageRun[], expected: string[] = []): string {
  const c = coverage(runs, { window: 3, expected });
  return coverageHtml(c, coverageVerdict(c), {
    generated: "2026-12-06T06:00:00.000Z",
    version: "0.1.0",
  });
}

Deno.test("coverage page: markup from the bus (proxy names, reasons, run ids) is text, never markup", () => {
  const html = page([{
    server: "log01",
    run_id: `run"'><b>x</b>`,
    start: "2026-12-01T03:15:00+00:00",
    finished: true,
    tries: {
      [hostile]: {
        "2026-11-28": { outcome: "failed", attempts: 3, reason: `${hostile}&amp;\x1b[2J` },
      },
    },
    skipped: { [`"><svg onload=alert(3)>`]: `<iframe src="https://evil.example">` },
  }], [`<style>body{display:none}</style>`]);
  for (const bad of ["<script", "<img", "<b>x", "<svg", "<iframe", "<style>body", "\x1b"]) {
    assertNotIncludes(html, bad);
  }
  assertIncludes(
    html,
    "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;",
  );
  assertIncludes(html, "&amp;amp;\\x1b[2J");
  assertIncludes(html, "run&quot;&#39;&gt;&lt;b&gt;x&lt;/b&gt;");
  // Every attribute value is quoted and holds no raw quote.
  for (const m of html.matchAll(/ (title|data-state|data-date|class)="([^"]*)"/g)) {
    assertNotIncludes(m[2]!, "<", m[0]);
  }
});

Deno.test("coverage page: self-contained (no URL, no script), states as classes, symbols and a legend", () => {
  const html = page([{
    server: "log01",
    run_id: "r1",
    start: "2026-12-01T03:15:00+00:00",
    finished: true,
    tries: {
      p1: {
        "2026-11-28": { outcome: "failed", attempts: 3, reason: "Error code: 23" },
        "2026-11-30": { outcome: "fetched", attempts: 1 },
      },
    },
    skipped: {},
  }]);
  assertEquals(/https?:|<script|<link|<img|@import|url\(/i.test(html), false);
  assertIncludes(html, "<!DOCTYPE html>");
  assertIncludes(
    html,
    '<td class="c s-lost" data-state="lost" data-date="2026-11-28" title="p1 2026-11-28: lost (not fetched, and no run will try it again)&#10;last reason: Error code: 23&#10;rsync exit code 23: partial transfer: some files were not copied, e.g. no log file matched the date yet&#10;fetch by hand until about 2026-12-05 (the proxy keeps about 7 rotated logs): mkdir -p /var/log/hosts/p1/2026/11/28/http/ &amp;&amp; rsync -a --timeout=1200 --contimeout=1200 &#39;p1::log/httpd/*20261128*&#39; /var/log/hosts/p1/2026/11/28/http/&#10;run r1 (2026-12-01T03:15:00+00:00): failed, 3 attempts">X</td>',
  );
  // The night with no data is a blank column, not a hole in the table.
  assertIncludes(html, '<td class="c s-none" data-state="none" data-date="2026-11-29"');
  for (const s of [...STATES, "none"]) {
    assertIncludes(html, `<li data-state="${s}">`);
  }
  assertIncludes(
    html,
    '<p class="verdict v-WARNING" id="verdict">COVERAGE WARNING - 1 date lost on hosts outside proxy*: p1 2026-11-28</p>',
  );
  assertIncludes(html, "by busmsg 0.1.0");
  assertEquals(escapeHtml(`a&b"c'<d>\n`), "a&amp;b&quot;c&#39;&lt;d&gt;\\x0a");
});
