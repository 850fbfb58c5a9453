/**
 * A clock that only moves when a test says so, for deterministic tests of
 * timeouts, backoff and cooldowns without real waiting. Timers fire in due
 * order (ties in the order they were set) during `advance`. `untilTimer`
 * lets a test wait, without sleeping, until the code under test has set the
 * timer it is about to fire.
 */
import type { Clock } from "./clock.js";

interface Timer {
  id: number;
  due: number;
  callback: () => void;
}

export class ManualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private waiters: Array<() => void> = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): () => void {
    const timer: Timer = { id: this.nextId++, due: this.time + Math.max(0, ms), callback };
    this.timers.push(timer);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    return () => {
      this.timers = this.timers.filter((candidate) => candidate !== timer);
    };
  }

  /** Delays until each pending timer fires, soonest first. */
  pendingDelays(): number[] {
    return this.ordered().map((timer) => timer.due - this.time);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const timer = this.ordered()[0];
      if (!timer || timer.due > target) break;
      this.timers = this.timers.filter((candidate) => candidate !== timer);
      this.time = Math.max(this.time, timer.due);
      timer.callback();
    }
    this.time = target;
  }

  /** Sets the time without firing anything (for code that only reads `now()`). */
  set(ms: number): void {
    this.time = ms;
  }

  /**
   * Resolves with the delay of the soonest pending timer that `match`
   * accepts (by its remaining delay), waiting (without time passing) until
   * the code under test sets one.
   */
  async untilTimer(match: (delayMs: number) => boolean = () => true): Promise<number> {
    for (;;) {
      const found = this.pendingDelays().find(match);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Waits for a pending timer that `match` accepts, then advances time exactly to it; returns how far time moved. */
  async fireNext(match?: (delayMs: number) => boolean): Promise<number> {
    const delay = await this.untilTimer(match);
    this.advance(delay);
    return delay;
  }

  private ordered(): Timer[] {
    return [...this.timers].sort((a, b) => a.due - b.due || a.id - b.id);
  }
}
