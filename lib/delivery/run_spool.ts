/**
 * The spool as one run uses it: checked once at the start (a spool that may not be used is
 * said once, and delivery goes on without it), created only when something must be written.
 */
import { say } from "../io/output.ts";
import { checkSpoolDir } from "../spool/safety.ts";
import { makeSpoolDir, type SpoolEntry, spoolMessages, type SpoolWrite } from "../spool/spool.ts";

export class RunSpool {
  private constructor(
    /** The directory; undefined when there is none (`--no-spool`, or `problem`). */
    readonly dir: string | undefined,
    /** Why the spool may not be used, once said. */
    private problem: string | undefined,
    private exists: boolean,
  ) {}

  /** Looks at the spool once; says why it may not be used, if so. */
  static async open(dir: string | undefined, problem?: string): Promise<RunSpool> {
    if (dir === undefined) {
      if (problem) say(problem);
      return new RunSpool(undefined, problem, false);
    }
    const check = await checkSpoolDir(dir);
    if (check.ok) return new RunSpool(dir, undefined, check.exists);
    const why = `spool ${dir}: not used: ${check.reason}`;
    say(why);
    return new RunSpool(dir, why, false);
  }

  /** True when there may be messages waiting to be sent. */
  get drainable(): boolean {
    return this.dir !== undefined && this.problem === undefined && this.exists;
  }

  /** True when the spool may be used (it may not exist yet). */
  get usable(): boolean {
    return this.dir !== undefined && this.problem === undefined;
  }

  /** True when spooling is off by request (`--no-spool`). */
  get off(): boolean {
    return this.dir === undefined && this.problem === undefined;
  }

  /** Spools the entries; see {@link spoolMessages}. */
  async write(entries: SpoolEntry[]): Promise<SpoolWrite> {
    // A problem is said once: when it was found.
    const none = { written: entries.map(() => false) };
    if (this.dir === undefined || this.problem) return none;
    if (!this.exists) {
      const problem = await makeSpoolDir(this.dir);
      if (problem) {
        this.problem = `spool ${this.dir}: cannot write: ${problem}`;
        return { ...none, error: this.problem };
      }
      this.exists = true;
    }
    return await spoolMessages(this.dir, entries);
  }
}
