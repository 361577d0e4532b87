/**
 * Publish rounds: messages grouped so that one round is pipelined and all its confirms awaited
 * before the next, which bounds memory by count and by bytes.
 */
import type { Message } from "../message/message.ts";

/** Messages per publish round: pipelined, then every confirm awaited (bounds memory). */
export const BATCH = 2000;

/** Input bytes per publish round: a few large lines make a round, so memory stays bounded. */
const ROUND_BYTES = 2 * 1024 * 1024;

/** A message and the length of the line it came from. */
export interface Sized {
  message: Message;
  size: number;
}

/** Groups messages into publish rounds of {@link BATCH} messages or {@link ROUND_BYTES}. */
export async function* inBatches(
  messages: Iterable<Sized> | AsyncIterable<Sized>,
): AsyncGenerator<Message[]> {
  let batch: Message[] = [];
  let bytes = 0;
  for await (const { message, size } of messages) {
    batch.push(message);
    bytes += size;
    if (batch.length >= BATCH || bytes >= ROUND_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** Batches, read one at a time whether they come as a list or as a stream. */
export function toAsyncIterator<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in items) return items[Symbol.asyncIterator]();
  const it = items[Symbol.iterator]();
  return { next: () => Promise.resolve(it.next()) };
}
