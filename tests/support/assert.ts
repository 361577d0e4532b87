/** The few assertions the tests use (JSR's @std/assert cannot be reached from here). */
import { AssertionError, deepStrictEqual } from "node:assert";

/** Deep, strict equality with a readable diff. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

/** A truthy condition. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new AssertionError({ message });
}

/** `text` contains `part`. */
export function assertIncludes(text: string, part: string, message?: string): void {
  if (!text.includes(part)) {
    throw new AssertionError({
      message: message ?? `expected ${JSON.stringify(text)} to include ${JSON.stringify(part)}`,
    });
  }
}

/** `text` does not contain `part`. */
export function assertNotIncludes(text: string, part: string, message?: string): void {
  if (text.includes(part)) {
    throw new AssertionError({
      message: message ?? `expected ${JSON.stringify(text)} not to include ${JSON.stringify(part)}`,
    });
  }
}

/** `fn` throws an instance of `type`, whose message includes `part` if given. */
export function assertThrows(
  fn: () => unknown,
  type: new (...a: never[]) => Error,
  part?: string,
): Error {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof type)) {
      throw new AssertionError({ message: `expected ${type.name}, got ${e}` });
    }
    if (part !== undefined) assertIncludes(e.message, part);
    return e;
  }
  throw new AssertionError({ message: `expected ${type.name} to be thrown` });
}

/** `p` rejects with an instance of `type`, whose message includes `part` if given. */
export async function assertRejects(
  p: () => Promise<unknown>,
  type: new (...a: never[]) => Error,
  part?: string,
): Promise<Error> {
  try {
    await p();
  } catch (e) {
    if (!(e instanceof type)) {
      throw new AssertionError({ message: `expected ${type.name}, got ${e}` });
    }
    if (part !== undefined) assertIncludes(e.message, part);
    return e;
  }
  throw new AssertionError({ message: `expected ${type.name} to be thrown` });
}
