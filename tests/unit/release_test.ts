/** The generated parts of a release: the packages deno.lock pins, the spec's licence and date. */
import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { licencesText, lockedPackages, RUNTIME_LICENSES } from "../../scripts/licenses.ts";
import {
  bundledOf,
  changelogDate,
  fillSpec,
  licenseTag,
  providesName,
} from "../../scripts/spec.ts";

Deno.test("lockedPackages: every npm package of the lock, scoped names and peer suffixes too", () => {
  const lock = JSON.stringify({
    version: "5",
    npm: { "b@1.0.0": {}, "@s/a@2.1.0_peer@3.0.0": {}, "@s/a@2.2.0": {} },
  });
  assertEquals(lockedPackages(lock), [
    { name: "@s/a", version: "2.1.0" },
    { name: "@s/a", version: "2.2.0" },
    { name: "b", version: "1.0.0" },
  ]);
});

Deno.test("THIRD-PARTY-LICENSES' summary makes the License: tag and bundled() provides", async () => {
  const text = licencesText([
    { name: "amqplib", version: "2.3.1", license: "MIT", files: [] },
    { name: "smol-toml", version: "1.9.1", license: "BSD-3-Clause", files: [] },
    {
      name: "x",
      version: "1",
      license: "MIT OR Apache-2.0",
      files: [{ name: "LICENSE", text: "t" }],
    },
    { name: "deno (runtime)", version: "2.9.6", license: "MIT", files: [] },
  ]);
  const bundled = bundledOf(text);
  assertEquals(bundled.map(providesName), [
    "nodejs-amqplib",
    "nodejs-smol-toml",
    "nodejs-x",
    "deno",
  ]);
  assertEquals(licenseTag(bundled), "MIT AND BSD-3-Clause AND (MIT OR Apache-2.0)");
  // The runtime's licence is a plain AND list (what the deno binary carries): its parts, once.
  assertEquals(
    licenseTag([
      ...bundled,
      { name: "deno (runtime)", version: "2.9.6", license: RUNTIME_LICENSES.join(" AND ") },
    ]),
    [
      "MIT",
      "BSD-3-Clause",
      "(MIT OR Apache-2.0)",
      ...RUNTIME_LICENSES.filter((l) => l !== "MIT" && l !== "BSD-3-Clause"),
    ].join(" AND "),
  );
  assert(RUNTIME_LICENSES.includes("Unicode-3.0") && RUNTIME_LICENSES.includes("Apache-2.0"));
  // The real lock: every npm package it pins, whatever they are (the release test checks the
  // tarball's summary against it).
  const lock = await Deno.readTextFile(new URL("../../deno.lock", import.meta.url));
  const pinned = Object.keys((JSON.parse(lock) as { npm: object }).npm);
  assertEquals(lockedPackages(lock).map((p) => `${p.name}@${p.version}`), pinned.sort());
});

Deno.test("the spec template: each @NAME@ filled, an unknown one refused; the changelog date", () => {
  assertEquals(fillSpec("Version: @VERSION@\n", { VERSION: "1.2" }), "Version: 1.2\n");
  assertThrows(() => fillSpec("@NOPE@", {}), Error, "no value for @NOPE@");
  assertEquals(changelogDate(Date.UTC(2026, 11, 6) / 1000), "Sun Dec 06 2026");
});
