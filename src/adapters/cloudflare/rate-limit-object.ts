/**
 * The rate limiter's Durable Object: one instance per limited subject
 * (`key:<keyId>`, `ip:<keyId>:<address>`), holding that subject's sliding
 * one-minute windows and its UTC-day request and token counters
 * (core/limits/limit-state.ts) as one JSON row in its SQLite storage.
 *
 * Why a Durable Object and not the Workers Rate Limiting binding: the
 * binding's limit and period are fixed in wrangler.toml (10 or 60 s) and it
 * counts per Cloudflare location, eventually consistently; here limits are
 * set per tenant at run time (PUT /v1/tenants/:id/limits), budgets need
 * daily counters, and counts must be exact.
 *
 * Exactness: a Durable Object runs one event at a time, and every method
 * reads and writes its state synchronously (in memory, then `sql.exec`)
 * before any await, so concurrent takes are counted one after the other.
 * The row is written before the reply leaves (output gate), so counts
 * survive eviction; a refused take writes nothing. An alarm deletes the
 * storage once nothing in it counts any more (a minute after an address's
 * last request; after UTC midnight for a key's daily counters), so idle
 * subjects cost no storage.
 */
import { DurableObject } from "cloudflare:workers";
import {
  addTokensToState,
  emptyLimitState,
  refundToState,
  stateExpiresAt,
  takeFromState,
  usageOfState,
  type LimitState,
  type RefundRequest,
  type TakeRequest,
  type TakeResult,
  type UsageSnapshot,
} from "../../core/limits/limit-state.js";

/** Extra wait before the cleanup alarm, so it does not race the last bucket's expiry. */
const cleanupGraceMs = 5_000;

export class RateLimitObject extends DurableObject {
  private state: LimitState;
  private tableReady = false;
  /** Whether a cleanup alarm is known to be scheduled (undefined: not checked since construction). */
  private alarmScheduled: boolean | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ensureTable();
    const row = ctx.storage.sql.exec<{ state: string }>("SELECT state FROM limit_state WHERE id = 1").toArray()[0];
    this.state = row ? (JSON.parse(row.state) as LimitState) : emptyLimitState();
  }

  async take(request: TakeRequest): Promise<TakeResult> {
    const { state, result } = takeFromState(this.state, request, request.now ?? Date.now());
    this.state = state;
    if (result.allowed) await this.save();
    return result;
  }

  async refund(request: RefundRequest): Promise<void> {
    this.state = refundToState(this.state, request, request.now ?? Date.now());
    await this.save();
  }

  async recordTokens(tokens: number, now?: number): Promise<void> {
    this.state = addTokensToState(this.state, tokens, now ?? Date.now());
    await this.save();
  }

  usage(now?: number): UsageSnapshot {
    return usageOfState(this.state, now ?? Date.now());
  }

  /** Forgets the subject once nothing counts any more; otherwise checks again when it will not. */
  override async alarm(): Promise<void> {
    this.alarmScheduled = false;
    const expiresAt = stateExpiresAt(this.state);
    if (expiresAt > Date.now()) {
      await this.ctx.storage.setAlarm(expiresAt + cleanupGraceMs);
      this.alarmScheduled = true;
      return;
    }
    await this.ctx.storage.deleteAll();
    this.state = emptyLimitState();
    this.tableReady = false;
  }

  /** Writes the state (synchronously: nothing can interleave), then makes sure a cleanup alarm is pending. */
  private async save(): Promise<void> {
    this.ensureTable();
    this.ctx.storage.sql.exec(
      "INSERT INTO limit_state (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
      JSON.stringify(this.state),
    );
    if (this.alarmScheduled) return;
    this.alarmScheduled = true;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Math.max(stateExpiresAt(this.state), Date.now()) + cleanupGraceMs);
    }
  }

  private ensureTable(): void {
    if (this.tableReady) return;
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS limit_state (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)");
    this.tableReady = true;
  }
}
