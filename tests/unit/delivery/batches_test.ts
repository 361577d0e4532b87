import { assertEquals } from "../../support/assert.ts";
import { inBatches, type Sized } from "../../../lib/delivery/batches.ts";
import type { Message } from "../../../lib/message/message.ts";

const message = (id: string): Message => ({ topic: "t", body: {}, headers: {}, id, priority: 0 });

async function rounds(sizes: number[]): Promise<string[][]> {
  const items: Sized[] = sizes.map((size, i) => ({ message: message(String(i)), size }));
  const out: string[][] = [];
  for await (const round of inBatches(items)) out.push(round.map((m) => m.id));
  return out;
}

Deno.test("publish rounds are bounded by bytes as well as by count", async () => {
  const MiB = 1024 * 1024;
  assertEquals(await rounds([MiB, MiB, MiB, MiB, MiB]), [["0", "1"], ["2", "3"], ["4"]]);
  assertEquals(await rounds([5 * MiB, 10, 10]), [["0"], ["1", "2"]]);
  const small = await rounds(Array.from({ length: 4500 }, () => 200));
  assertEquals(small.map((r) => r.length), [2000, 2000, 500]);
});
