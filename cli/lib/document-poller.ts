/**
 * Learns when accepted documents are indexed, by asking
 * `GET /v1/documents/:id`. Each round asks about a bounded number of the
 * pending documents, taking them in turn (so a few stuck documents cannot
 * hide the others), a few requests at a time. A document is settled when it
 * is `ready` at the version sent (or a later one) or `failed`, or when it has
 * gone (deleted meanwhile).
 */
import { ApiError, type ApiClient } from "./api-client.js";

export type Settled = { id: string; status: "ready"; chunks: number; version: number } | { id: string; status: "failed"; error: string };

interface DocumentView {
  id: string;
  status: "queued" | "processing" | "ready" | "failed";
  version: number;
  indexed_version: number | null;
  chunks: number;
  error?: string;
}

export interface DocumentPollerOptions {
  /** Documents asked about per round. Default 40. */
  perRound?: number;
  /** Requests in flight. Default 8. */
  concurrency?: number;
  signal?: AbortSignal;
}

export class DocumentPoller {
  private readonly pendingVersions = new Map<string, number>();
  private cursor = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly onSettled: (settled: Settled) => void,
    private readonly options: DocumentPollerOptions = {},
  ) {}

  /** Waits for `id` to be indexed at `version` or later. */
  add(id: string, version: number): void {
    this.pendingVersions.set(id, version);
  }

  get pending(): number {
    return this.pendingVersions.size;
  }

  pendingIds(): string[] {
    return [...this.pendingVersions.keys()];
  }

  /** Asks about the next documents in turn; returns how many settled. */
  async round(): Promise<number> {
    const ids = [...this.pendingVersions.keys()];
    if (ids.length === 0) return 0;
    const take = Math.min(ids.length, this.options.perRound ?? 40);
    const start = this.cursor % ids.length;
    const batch = Array.from({ length: take }, (_, i) => ids[(start + i) % ids.length]!);
    this.cursor = start + take;

    let settled = 0;
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const id = batch[next++]!;
        const outcome = await this.check(id);
        if (outcome && this.pendingVersions.delete(id)) {
          settled++;
          this.onSettled(outcome);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, batch.length) }, worker));
    return settled;
  }

  private async check(id: string): Promise<Settled | undefined> {
    const version = this.pendingVersions.get(id);
    if (version === undefined) return undefined;
    let view: DocumentView;
    try {
      view = await this.client.request<DocumentView>("GET", `/v1/documents/${encodeURIComponent(id)}`, { retries: 3, signal: this.options.signal });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { id, status: "failed", error: "the document was deleted before it was indexed" };
      throw error;
    }
    if (view.status === "failed") return { id, status: "failed", error: view.error ?? "indexing failed" };
    if (view.status === "ready" && (view.indexed_version ?? 0) >= version) return { id, status: "ready", chunks: view.chunks, version: view.indexed_version ?? version };
    return undefined;
  }
}
