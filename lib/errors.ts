/**
 * The exit codes busmsg promises, compatible with `fedora-messaging publish` where it has one,
 * and the two error classes callers catch.
 */
export const EXIT = {
  /** Published, or durably spooled for later delivery. */
  OK: 0,
  /** Anything not mapped below (e.g. credentials refused, as in fedora-messaging). */
  FAILURE: 1,
  /** Bad input, bad usage or bad configuration; nothing was sent. */
  USAGE: 2,
  /** Delivery was deferred to the spool and `--strict` asked to hear about it (EX_TEMPFAIL). */
  SPOOLED: 75,
  /** No connection or no confirm within the timeout (broker down, TLS failure, no exchange). */
  CONNECT: 111,
  /** The broker refused the message: nack, or access to the topic or vhost refused. */
  REFUSED: 121,
  /**
   * A listener met an error that waiting will not heal (an expired or unreadable certificate,
   * an unknown CA, a refused login): it ends instead of retrying for ever (EX_CONFIG).
   */
  PERMANENT: 78,
} as const;

/** Bad input, usage or configuration: exit 2, nothing sent. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Why a message did not reach the broker, with the exit code that says so. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
  /**
   * @param exitCode 111, 121 or 1
   * @param transient true when a later attempt may succeed unchanged (the message may be spooled)
   * @param fix for a configuration problem that will not heal by itself: what to change
   */
  constructor(
    message: string,
    readonly exitCode: number,
    readonly transient: boolean,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** The exit code for any error thrown out of a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.USAGE;
  // Deno cannot read an environment variable that is not UTF-8: a setting that cannot work.
  if (error instanceof Deno.errors.InvalidData && /environment variable/.test(error.message)) {
    return EXIT.USAGE;
  }
  if (error instanceof DeliveryError) return error.exitCode;
  return EXIT.FAILURE;
}

/** `--help` was given: the entry point prints the command's help and exits 0. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
}

/** A short reason for a failed file operation, without Deno's "(os error N)" tail. */
export function ioReason(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "is a directory";
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/ \(os error \d+\)/, "").replace(/: (readfile|open) '.*'$/, "");
}
