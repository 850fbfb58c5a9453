/**
 * Calendar-day budgets (UTC): a counter tagged with its day, which starts
 * again from zero when the day changes. Pure functions; the caller supplies
 * the clock.
 */

export interface DayCount {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  used: number;
}

const dayMs = 86_400_000;

/** The UTC calendar day of `now` (`YYYY-MM-DD`). */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The next UTC midnight after `now` (ms since the epoch). */
export function nextUtcMidnight(now: number): number {
  return Math.floor(now / dayMs) * dayMs + dayMs;
}

/** What the counter holds for the day of `now` (0 once the day has changed). */
export function dayUsed(count: DayCount | undefined, now: number): number {
  return count !== undefined && count.day === utcDay(now) ? count.used : 0;
}

/** Whether `cost` more fits in the budget: `used + cost <= limit`. */
export function budgetAllows(used: number, limit: number, cost: number): boolean {
  return used + cost <= limit;
}

/** Adds `amount` to the day of `now`, starting a new day's count when needed. */
export function dayAdd(count: DayCount | undefined, amount: number, now: number): DayCount {
  return { day: utcDay(now), used: dayUsed(count, now) + amount };
}

/** Gives back `amount` counted at `at`, if that was today. */
export function dayRefund(count: DayCount | undefined, amount: number, at: number, now: number): DayCount | undefined {
  if (count === undefined || count.day !== utcDay(now) || utcDay(at) !== count.day) return count;
  return { day: count.day, used: Math.max(0, count.used - amount) };
}

/** When a counter of `day` stops mattering: the midnight that ends it. */
export function dayEndsAt(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) + dayMs;
}
