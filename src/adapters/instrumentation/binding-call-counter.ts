/**
 * Counts the remote calls a piece of work makes through its bindings — the
 * calls that cost money and count against rate limits in production:
 *   ai        — `AI.run` calls (embeddings, reranking, generation);
 *   vectorize — Vectorize calls (upsert, insert, query, deleteByIds, getByIds, …);
 *   d1        — D1 round trips: each statement's run/all/first/raw, each
 *               `batch()` (one round trip, however many statements) and `exec()`.
 * The wrappers keep the bindings' interfaces, so adapters cannot tell; the
 * same wrappers serve the queue consumer's per-batch counts (its log line)
 * and the tests that bound those counts. Works in both modes: in local mode
 * the wrapped objects are the local stand-ins.
 */

export interface CallCounts {
  ai: number;
  vectorize: number;
  d1: number;
}

/** Vectorize methods that reach the index (describe included: it is a remote call too). */
const vectorizeMethods = new Set(["upsert", "insert", "query", "queryById", "deleteByIds", "getByIds", "describe"]);

export class BindingCallCounter {
  readonly counts: CallCounts = { ai: 0, vectorize: 0, d1: 0 };

  /** A snapshot of the counts. */
  snapshot(): CallCounts {
    return { ...this.counts };
  }

  /** Wraps an `Ai`-shaped binding: each `run` counts one. */
  ai<T extends object>(binding: T): T {
    return this.countMethods(binding, (name) => name === "run", "ai");
  }

  /** Wraps a Vectorize-shaped binding: each call that reaches the index counts one. */
  vectorize<T extends object>(binding: T): T {
    return this.countMethods(binding, (name) => vectorizeMethods.has(name), "vectorize");
  }

  /** Wraps a D1 binding: each round trip counts one (see the file comment). */
  d1(db: D1Database): D1Database {
    const originals = new WeakMap<object, D1PreparedStatement>();
    const counts = this.counts;
    const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
      const proxy = new Proxy(statement, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (typeof value !== "function") return value;
          if (property === "bind") return (...args: unknown[]) => wrapStatement((value as (...a: unknown[]) => D1PreparedStatement).apply(target, args));
          if (property === "run" || property === "all" || property === "first" || property === "raw") {
            return (...args: unknown[]) => {
              counts.d1 += 1;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return (value as (...a: unknown[]) => unknown).bind(target);
        },
      });
      originals.set(proxy, statement);
      return proxy;
    };
    return new Proxy(db, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== "function") return value;
        if (property === "prepare") return (sql: string) => wrapStatement(target.prepare(sql));
        if (property === "batch") {
          // The real batch() needs the real statements.
          return (statements: D1PreparedStatement[]) => {
            counts.d1 += 1;
            return target.batch(statements.map((statement) => originals.get(statement) ?? statement));
          };
        }
        if (property === "exec") {
          return (sql: string) => {
            counts.d1 += 1;
            return target.exec(sql);
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }

  private countMethods<T extends object>(binding: T, counted: (name: string) => boolean, kind: keyof CallCounts): T {
    const counts = this.counts;
    return new Proxy(binding, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== "function") return value;
        if (typeof property === "string" && counted(property)) {
          return (...args: unknown[]) => {
            counts[kind] += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }
}
