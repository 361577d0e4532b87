/**
 * What an rsync exit code in a sync failure means, and what to check: the deployed sync sends
 * `reason` "Error code: N" (rsync runs with `--timeout=1200 --contimeout=1200`). Pure.
 */

/** The exit codes that matter for the log sync, with what they mean there. */
export const RSYNC_CODES: Readonly<Record<number, string>> = {
  5: "the proxy's rsyncd refused this log server: check that its hosts allow lists this " +
    "log server's address",
  10: "could not connect to the proxy's rsyncd (socket I/O): is rsyncd running, is port 873 " +
    "open from this log server",
  12: "rsync protocol error: the connection broke, or the two rsync versions disagree",
  23: "partial transfer: some files were not copied, e.g. no log file matched the date yet",
  24: "some files vanished while being copied (log rotation at the same moment)",
  30: "timed out sending or receiving data (--timeout=1200)",
  35: "timed out waiting for the daemon connection (--contimeout=1200)",
};

/** The rsync exit code a failure text names ("Error code: 23", "rsync exited with 23"). */
export function rsyncCode(reason: string): number | undefined {
  const m = /\b(?:error code|exit(?:ed)?(?: with)?(?: code| status)?)\s*[:=]?\s*(\d{1,3})\b/i
    .exec(reason);
  return m ? Number(m[1]) : undefined;
}

/** The code and its meaning when the text names one that matters, else undefined. */
export function rsyncMeaning(reason: string): { code: number; meaning: string } | undefined {
  const code = rsyncCode(reason);
  const meaning = code === undefined ? undefined : RSYNC_CODES[code];
  return code === undefined || meaning === undefined ? undefined : { code, meaning };
}
