/**
 * The local record that makes `edge-rag ingest` resumable: per target (API
 * address, tenant and base folder), each document id with the content hash
 * the server accepted and what the CLI last learned of it. A re-run skips a
 * file whose hash matches a document known to be ready, without sending it;
 * anything else is sent again, which the API makes safe (same content: it
 * answers `unchanged`, or queues the same version again if it was not ready).
 *
 * Saved after every accepted batch, by writing a temporary file and renaming
 * it, so an interrupted run leaves the last complete state behind.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export type KnownStatus = "queued" | "ready" | "failed";

export interface StateEntry {
  /** Relative to the base, `/`-separated. */
  path: string;
  /** The content hash of what was sent (same as the server's: content, title, format, metadata, source URL). */
  hash: string;
  version: number;
  status: KnownStatus;
  chunks?: number;
  error?: string;
}

export interface StateFile {
  edge_rag_state: 1;
  targets: Record<string, { documents: Record<string, StateEntry> }>;
}

export class StateFileError extends Error {
  override readonly name = "StateFileError";
}

/** Which server, tenant and base folder a set of entries belongs to. */
export function targetKey(target: { api: string; tenant?: string; base: string }): string {
  return `${target.api} tenant=${target.tenant ?? "(key's own)"} base=${target.base}`;
}

/** Whether a file must be sent: yes unless the state says this very content is indexed (or `force`). */
export function needsSending(entry: StateEntry | undefined, hash: string, force = false): boolean {
  return force || entry === undefined || entry.hash !== hash || entry.status !== "ready";
}

/** Parses a state file's text; throws `StateFileError` for anything else. */
export function parseStateFile(text: string, path: string): StateFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StateFileError(`${path} is not JSON; delete it (the next run sends every file again) or pass another --state`);
  }
  const file = parsed as Partial<StateFile> | null;
  if (file === null || typeof file !== "object" || file.edge_rag_state !== 1 || typeof file.targets !== "object" || file.targets === null) {
    throw new StateFileError(`${path} is not an edge-rag state file; delete it or pass another --state`);
  }
  return file as StateFile;
}

export class IngestState {
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    readonly path: string,
    private readonly file: StateFile,
    private readonly documents: Record<string, StateEntry>,
  ) {}

  /** Opens `path` (missing: an empty state) for one target's entries. */
  static async open(path: string, target: string): Promise<IngestState> {
    let file: StateFile;
    try {
      file = parseStateFile(await readFile(path, "utf8"), path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      file = { edge_rag_state: 1, targets: {} };
    }
    const documents = (file.targets[target] ??= { documents: {} }).documents;
    return new IngestState(path, file, documents);
  }

  get(id: string): StateEntry | undefined {
    return Object.hasOwn(this.documents, id) ? this.documents[id] : undefined;
  }

  set(id: string, entry: StateEntry): void {
    this.documents[id] = entry;
    this.dirty = true;
  }

  /** Updates fields of an existing entry (no-op when there is none). */
  update(id: string, fields: Partial<StateEntry>): void {
    const entry = this.get(id);
    if (!entry) return;
    this.documents[id] = { ...entry, ...fields };
    this.dirty = true;
  }

  delete(id: string): void {
    if (!Object.hasOwn(this.documents, id)) return;
    delete this.documents[id];
    this.dirty = true;
  }

  entries(): [string, StateEntry][] {
    return Object.entries(this.documents);
  }

  /** Writes the file if anything changed; calls never overlap, and each writes the state as of its call or later. */
  save(): Promise<void> {
    this.saving = this.saving.catch(() => undefined).then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const text = `${JSON.stringify(this.file, null, 2)}\n`;
      const temporary = `${this.path}.${process.pid}.tmp`;
      try {
        await mkdir(dirname(this.path), { recursive: true });
        await writeFile(temporary, text);
        await rename(temporary, this.path);
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    });
    return this.saving;
  }
}
