/**
 * When a website source re-syncs: `schedule` is "hourly", "daily", "weekly"
 * or a whole number of hours written "<n>h" (1–720); null means only on
 * demand (POST /v1/sources/{id}/sync). Pure.
 */

/** The accepted spellings (validation uses this). */
export const schedulePattern = /^(?:hourly|daily|weekly|([1-9]\d{0,2})h)$/;

/** Hours between syncs for a valid `schedule`, or null when it is not one. */
export function scheduleHours(schedule: string): number | null {
  const match = schedulePattern.exec(schedule);
  if (!match) return null;
  if (schedule === "hourly") return 1;
  if (schedule === "daily") return 24;
  if (schedule === "weekly") return 168;
  const hours = Number(match[1]);
  return hours <= 720 ? hours : null;
}

/** When the next sync after one started at `from` is due; null without a schedule. */
export function nextSyncAt(schedule: string | null, from: Date): Date | null {
  if (!schedule) return null;
  const hours = scheduleHours(schedule);
  return hours === null ? null : new Date(from.getTime() + hours * 3_600_000);
}
