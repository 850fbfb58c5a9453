/**
 * Packs documents into `POST /v1/documents/batch` requests within the API's
 * limits: at most 100 documents and 10 MiB of content per request (the
 * server refuses the whole batch beyond either), and, so that JSON escaping
 * cannot push a request past the server's body limit, a bound on the
 * serialised size too. Pure: sizes are given by the caller.
 */
import { maxBatchContentBytes, maxBatchDocuments } from "../../functions/schemas.js";

export interface BatchLimits {
  maxDocuments: number;
  /** UTF-8 bytes of `content` per request. */
  maxContentBytes: number;
  /** Bytes of serialised JSON per request (the server reads up to twice the content limit). */
  maxBodyBytes: number;
}

export const apiBatchLimits: BatchLimits = {
  maxDocuments: maxBatchDocuments,
  maxContentBytes: maxBatchContentBytes,
  maxBodyBytes: 8 * 1024 * 1024,
};

export interface Sized {
  contentBytes: number;
  bodyBytes: number;
}

/**
 * Collects items into batches. `add` returns the batches it completed (none,
 * one or, with a one-document limit, two): the current one when the new
 * item would not fit in it (the new item then starts the next), and the one
 * the new item filled up. An item larger than a whole batch still travels,
 * alone. `flush` returns what is left.
 */
export class BatchPacker<T> {
  private items: T[] = [];
  private contentBytes = 0;
  private bodyBytes = 0;

  constructor(private readonly limits: BatchLimits) {
    if (!(limits.maxDocuments >= 1)) throw new Error("a batch holds at least one document");
  }

  add(item: T, size: Sized): T[][] {
    const complete: T[][] = [];
    const fits = this.contentBytes + size.contentBytes <= this.limits.maxContentBytes && this.bodyBytes + size.bodyBytes <= this.limits.maxBodyBytes;
    if (this.items.length > 0 && !fits) complete.push(this.flush()!);
    this.items.push(item);
    this.contentBytes += size.contentBytes;
    this.bodyBytes += size.bodyBytes;
    if (this.items.length >= this.limits.maxDocuments) complete.push(this.flush()!);
    return complete;
  }

  flush(): T[] | undefined {
    if (this.items.length === 0) return undefined;
    const batch = this.items;
    this.items = [];
    this.contentBytes = 0;
    this.bodyBytes = 0;
    return batch;
  }

  get size(): number {
    return this.items.length;
  }
}
