/**
 * Monitoring-plugin conventions shared by `doctor`, `spool status` and `report --nagios`: the four states and
 * their exit codes (Nagios, NRPE, Zabbix user parameters), which differ from the sending
 * commands' codes.
 */

/** Nagios plugin states by name, with their exit codes. */
export const NAGIOS = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;

/** A check's state by name, in exit-code order. */
export const STATES = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const;
export type State = typeof STATES[number];

/** The plugin exit code of a state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export function exitCodeFor(state: State): number {
  return NAGIOS[state];
}

// A known problem outranks a check that could not run.
const SEVERITY: Record<State, number> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 };

/** The worst of some states (OK when there are none). */
export function worst(states: Iterable<State>): State {
  let found: State = "OK";
  for (const s of states) if (SEVERITY[s] > SEVERITY[found]) found = s;
  return found;
}
