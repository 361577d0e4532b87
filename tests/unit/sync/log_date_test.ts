import { assertEquals } from "../../support/assert.ts";
import { farLogDate, MAX_DAYS_BEFORE } from "../../../lib/sync/log_date.ts";

Deno.test("farLogDate: the day after sent-at and a year back are counted; further is not", () => {
  const sent = "2026-12-06T23:59:59+00:00";
  assertEquals(farLogDate("2026-12-07", sent), undefined);
  assertEquals(farLogDate("2026-12-03", sent), undefined);
  assertEquals(farLogDate("2025-12-05", sent), undefined, `${MAX_DAYS_BEFORE} days back`);
  assertEquals(
    farLogDate("2026-12-08", sent),
    "log_date 2026-12-08 is 2 days after the event was sent (2026-12-06T23:59:59+00:00)",
  );
  assertEquals(
    farLogDate("2025-12-04", sent),
    "log_date 2025-12-04 is 367 days before the event was sent (2026-12-06T23:59:59+00:00), " +
      "more than 366",
  );
  // No time to judge by: the schema and the run's model decide.
  assertEquals(farLogDate("9999-12-31", ""), undefined);
});
