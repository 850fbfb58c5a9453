/**
 * Sliding-window rate limit arithmetic. A window of `windowSeconds` is
 * counted in buckets of 1/60 of it (one second for a one-minute window), so
 * a subject's state for one rule is at most 61 pairs of numbers. A unit keeps
 * counting until its whole bucket has left the window, which makes the limit
 * exact in the safe direction: no span of `windowSeconds` ever admits more
 * than `limit` units (a unit is held at most one bucket longer than the
 * window). Pure functions over plain data; the caller supplies the clock.
 */

export interface WindowRule {
  /** Units allowed per window (a positive integer). */
  limit: number;
  windowSeconds: number;
}

/** Units counted per bucket, oldest first: `[bucket index, units]`. */
export type WindowCounts = [bucket: number, units: number][];

export interface WindowOutcome {
  allowed: boolean;
  /** The counts after the take: pruned, plus `cost` units when allowed. */
  counts: WindowCounts;
  /** Units left in the window after the take. */
  remaining: number;
  /** Denied: how long until `cost` units fit (> 0). Allowed: 0. */
  retryAfterMs: number;
  /** How long until the oldest counted unit leaves the window (0 when none is counted). */
  resetMs: number;
}

/** Bucket length for a window: 1/60 of it, at least one second. */
export function bucketSizeMs(windowSeconds: number): number {
  return Math.max(1000, Math.ceil((windowSeconds * 1000) / 60));
}

/** When the units of `bucket` stop counting: its end plus one window. */
export function bucketLeavesAt(bucket: number, rule: WindowRule): number {
  return (bucket + 1) * bucketSizeMs(rule.windowSeconds) + rule.windowSeconds * 1000;
}

/** The buckets that still count at `now`. */
export function pruneWindow(counts: WindowCounts, rule: WindowRule, now: number): WindowCounts {
  return counts.filter(([bucket]) => bucketLeavesAt(bucket, rule) > now);
}

/** Units counted in the window at `now`. */
export function windowUsed(counts: WindowCounts, rule: WindowRule, now: number): number {
  return pruneWindow(counts, rule, now).reduce((sum, [, units]) => sum + units, 0);
}

/** Takes `cost` units if they fit in the window; otherwise says how long to wait. Counts nothing when denied. */
export function windowTake(counts: WindowCounts, rule: WindowRule, cost: number, now: number): WindowOutcome {
  const live = pruneWindow(counts, rule, now);
  const used = live.reduce((sum, [, units]) => sum + units, 0);
  if (used + cost <= rule.limit) {
    const next = addUnits(live, Math.floor(now / bucketSizeMs(rule.windowSeconds)), cost);
    return { allowed: true, counts: next, remaining: rule.limit - used - cost, retryAfterMs: 0, resetMs: bucketLeavesAt(next[0]![0], rule) - now };
  }
  return {
    allowed: false,
    counts: live,
    remaining: Math.max(0, rule.limit - used),
    retryAfterMs: waitUntilFits(live, rule, used + cost - rule.limit, cost, now),
    resetMs: live.length > 0 ? bucketLeavesAt(live[0]![0], rule) - now : 0,
  };
}

/** Gives back `cost` units taken at `at` (a take that another limit refused); nothing if they have left already. */
export function windowRefund(counts: WindowCounts, rule: WindowRule, cost: number, at: number, now: number): WindowCounts {
  const bucket = Math.floor(at / bucketSizeMs(rule.windowSeconds));
  return pruneWindow(counts, rule, now)
    .map(([index, units]): [number, number] => (index === bucket ? [index, Math.max(0, units - cost)] : [index, units]))
    .filter(([, units]) => units > 0);
}

/** When every counted unit has left the window (0 when none is counted). */
export function windowExpiresAt(counts: WindowCounts, rule: WindowRule): number {
  const last = counts[counts.length - 1];
  return last ? bucketLeavesAt(last[0], rule) : 0;
}

function addUnits(counts: WindowCounts, bucket: number, units: number): WindowCounts {
  const next = counts.map(([index, count]): [number, number] => [index, count]);
  const found = next.find(([index]) => index === bucket);
  if (found) found[1] += units;
  else {
    // Normally the newest bucket; an earlier clock reading still keeps the order.
    next.push([bucket, units]);
    next.sort((a, b) => a[0] - b[0]);
  }
  return next;
}

function waitUntilFits(live: WindowCounts, rule: WindowRule, excess: number, cost: number, now: number): number {
  // More than the limit at once can never fit; tell the client to wait a window.
  if (cost > rule.limit) return rule.windowSeconds * 1000;
  let freed = 0;
  for (const [bucket, units] of live) {
    freed += units;
    if (freed >= excess) return bucketLeavesAt(bucket, rule) - now;
  }
  return rule.windowSeconds * 1000;
}
