import { assertEquals } from "../../support/assert.ts";
import { type Line, MAX_LINE_BYTES, readLineBatches } from "../../../lib/io/input.ts";

async function lines(bytes: Uint8Array): Promise<Line[]> {
  const file = await Deno.makeTempFile();
  await Deno.writeFile(file, bytes);
  const out: Line[] = [];
  for await (const batch of readLineBatches(file)) out.push(...batch);
  return out;
}
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("input: lines numbered across chunk boundaries, with or without a final newline", async () => {
  // 70,000-byte lines cross the reader's chunks; "é" and "😀" straddle boundaries somewhere.
  const long = "é😀x".repeat(10_000);
  const text = ["a", "", long, "b", long + "z"].join("\n");
  assertEquals(await lines(enc(text)), [
    { number: 1, text: "a" },
    { number: 2, text: "" },
    { number: 3, text: long },
    { number: 4, text: "b" },
    { number: 5, text: long + "z" },
  ]);
  assertEquals(await lines(enc("a\nb\n")), [{ number: 1, text: "a" }, { number: 2, text: "b" }]);
  assertEquals(await lines(enc("")), []);
});

Deno.test("input: a bad byte or an overlong line is reported on its own line; the others are read", async () => {
  const bad = new Uint8Array([...enc("ok1\ncaf"), 0xe9, ...enc("\nok3\n")]);
  assertEquals(await lines(bad), [
    { number: 1, text: "ok1" },
    { number: 2, error: "line is not valid UTF-8" },
    { number: 3, text: "ok3" },
  ]);
  const huge = enc(`ok1\n${"x".repeat(MAX_LINE_BYTES + 10)}\nok3\n${"y".repeat(MAX_LINE_BYTES)}\n`);
  const got = await lines(huge);
  assertEquals(got.map((l) => [l.number, l.error ?? l.text!.length]), [
    [1, 3],
    [2, `line is longer than ${MAX_LINE_BYTES} bytes`],
    [3, 3],
    [4, MAX_LINE_BYTES],
  ]);
});
