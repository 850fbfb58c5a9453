/**
 * Reads an IR test collection in the layout of ../shared/bench-data/*:
 * corpus.jsonl ({id, title?, text}), queries.jsonl ({id, text}) and qrels.tsv
 * (query_id, doc_id, relevance; graded allowed; an optional header line).
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

export interface CorpusDocument {
  id: string;
  title: string;
  text: string;
}

export interface Query {
  id: string;
  text: string;
}

/** query id → (doc id → relevance grade > 0). */
export type Qrels = Map<string, Map<string, number>>;

export interface Collection {
  name: string;
  dir: string;
  corpus: CorpusDocument[];
  queries: Query[];
  qrels: Qrels;
}

export function collectionExists(dir: string): boolean {
  return ["corpus.jsonl", "queries.jsonl", "qrels.tsv"].every((file) => existsSync(join(dir, file)));
}

export function loadCollection(dir: string): Collection {
  const root = resolve(dir);
  const corpus = readJsonl(join(root, "corpus.jsonl")).map((row, index) => {
    const id = String(row.id ?? row._id ?? "");
    if (!id || typeof row.text !== "string") throw new Error(`corpus.jsonl line ${index + 1}: needs id and text`);
    return { id, title: typeof row.title === "string" ? row.title.trim() : "", text: row.text };
  });
  const qrels = readQrels(join(root, "qrels.tsv"));
  // Only queries with at least one relevant document are evaluated (as BEIR does).
  const queries = readJsonl(join(root, "queries.jsonl"))
    .map((row, index) => {
      const id = String(row.id ?? row._id ?? "");
      if (!id || typeof row.text !== "string") throw new Error(`queries.jsonl line ${index + 1}: needs id and text`);
      return { id, text: row.text };
    })
    .filter((query) => qrels.has(query.id));
  return { name: basename(root), dir: root, corpus, queries, qrels };
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function readQrels(file: string): Qrels {
  const qrels: Qrels = new Map();
  for (const [index, line] of readFileSync(file, "utf8").split("\n").entries()) {
    if (line.trim() === "") continue;
    const fields = line.trim().split(/\t|\s+/);
    // BEIR qrels are "query-id corpus-id score"; TREC qrels have an iteration column.
    const [queryId, docId, grade] = fields.length >= 4 ? [fields[0], fields[2], fields[3]] : [fields[0], fields[1], fields[2]];
    const relevance = Number(grade);
    if (!Number.isFinite(relevance)) {
      if (index === 0) continue; // header
      throw new Error(`${file} line ${index + 1}: relevance is not a number`);
    }
    if (relevance <= 0) continue;
    let judged = qrels.get(queryId!);
    if (!judged) qrels.set(queryId!, (judged = new Map()));
    judged.set(docId!, relevance);
  }
  return qrels;
}
