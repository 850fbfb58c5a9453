/**
 * `npm run bench:cache -- [--rounds <n>]`
 *
 * The answer cache (issue 11): how long a chat answer takes from the cache
 * against answering afresh. A throwaway local server (the real worker on
 * Miniflare, D1, the extractive generator, the local embedding model; the
 * per-isolate query-embedding cache off so that every fresh answer embeds its
 * question) with the demo's sample documents. For each of 20 distinct
 * questions, `--rounds` times (default 1; each round purges the cache first):
 *
 * - bypass: `cache: false` — retrieval and generation, no cache lookup or store;
 * - miss:   the first cached request — lookup, retrieval, generation, store;
 * - hit:    the same question again — lookup and replay;
 * - near:   a near-duplicate wording ("…, please?") — lookup, candidate check, replay.
 *
 * Timed: the client's wall time of one `POST /v1/chat` with `stream: false`
 * over HTTP on localhost (request sent → whole JSON read), and the server's
 * own `timings.total_ms` from the answer. Requests run one at a time. Every
 * answer's `X-Cache` is checked against what the phase expects.
 */
import { parseArgs } from "node:util";
import { sampleDocs } from "../functions/demo/sample-docs.js";
import { benchApiKey, ingestDocuments, startBenchServer } from "./lib/bench-server.js";
import { summarize } from "./lib/latency.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "1" } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number ≥ 1, got ${values.rounds}`);

const questions = [
  "How long do I have to ask for a refund?",
  "Which payment methods do you accept?",
  "When are invoices issued?",
  "Within how many days must an invoice be paid?",
  "How are refunds paid back?",
  "What happens to annual plans cancelled after 30 days?",
  "What should I do if a charge looks wrong?",
  "What does a chargeback do to my account?",
  "What kind of heat pump is the Aurora?",
  "How often should the evaporator fins be cleaned?",
  "What does error code E4 mean?",
  "What does error code E7 mean?",
  "Who should I call about low refrigerant pressure?",
  "What should be checked for blockages?",
  "What does the provisioning command create?",
  "How do I deploy the service?",
  "How are secrets such as the API key set?",
  "When is the support desk open?",
  "In which time zone are the support hours given?",
  "How can urgent outages be reported?",
];
const nearDuplicate = (question: string) => `${question.replace(/\?$/, "")}, please?`;

type Phase = "bypass" | "miss" | "hit" | "near";
const expected: Record<Phase, string> = { bypass: "bypass", miss: "miss", hit: "hit", near: "hit" };

const bench = await startBenchServer({ vars: { QUERY_EMBEDDING_CACHE_SIZE: "0" } });
try {
  const ingest = await ingestDocuments(bench.api, sampleDocs);
  if (ingest.ready !== sampleDocs.length) throw new Error(`ingestion: ${ingest.ready}/${sampleDocs.length} ready`);
  const url = new URL("/v1/chat", bench.server.url);

  async function chat(question: string, cache: boolean): Promise<{ wallMs: number; serverMs: number; xCache: string | null; answer: string }> {
    const started = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${benchApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: question }], stream: false, cache }),
    });
    const text = await response.text();
    const wallMs = performance.now() - started;
    if (!response.ok) throw new Error(`POST /v1/chat → ${response.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { answer: string; timings: { total_ms: number } };
    return { wallMs, serverMs: body.timings.total_ms, xCache: response.headers.get("x-cache"), answer: body.answer };
  }

  // Warm-up: the embedding model, the worker's isolate and D1's statements (purged afterwards).
  for (const question of ["What is the Aurora?", "What is the Aurora?"]) await chat(question, true);

  const wall: Record<Phase, number[]> = { bypass: [], miss: [], hit: [], near: [] };
  const server: Record<Phase, number[]> = { bypass: [], miss: [], hit: [], near: [] };
  const mismatches: string[] = [];
  let differentAnswers = 0;
  const nearMisses = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    await bench.api.request("DELETE", "/v1/cache");
    for (const question of questions) {
      const runs: [Phase, string, boolean][] = [
        ["bypass", question, false],
        ["miss", question, true],
        ["hit", question, true],
        ["near", nearDuplicate(question), true],
      ];
      let fresh: string | undefined;
      for (const [phase, asked, cache] of runs) {
        const result = await chat(asked, cache);
        // A near-duplicate under the similarity threshold is a correct miss (", please" on a four-word
        // question: 3 of 4 word pairs shared, 0.75 < 0.8): counted, and left out of the near timings.
        if (phase === "near" && result.xCache === "miss") {
          nearMisses.add(asked);
          continue;
        }
        if (result.xCache !== expected[phase]) mismatches.push(`${phase} "${asked}": X-Cache ${result.xCache}`);
        if (phase === "miss") fresh = result.answer;
        if ((phase === "hit" || phase === "near") && result.answer !== fresh) differentAnswers++;
        wall[phase].push(result.wallMs);
        server[phase].push(result.serverMs);
      }
    }
  }

  const row = (phase: Phase) => {
    const w = summarize(wall[phase]);
    const s = summarize(server[phase]);
    return `| ${phase.padEnd(6)} | ${String(w.n).padStart(3)} | ${w.p50.toFixed(1).padStart(7)} | ${w.p95.toFixed(1).padStart(7)} | ${s.p50.toFixed(1).padStart(7)} | ${s.p95.toFixed(1).padStart(7)} |`;
  };
  console.log(`\nAnswer cache: ${questions.length} questions × ${rounds} round(s), POST /v1/chat stream:false, one at a time, localhost (ms)\n`);
  console.log("| phase  |   n | wall p50 | wall p95 | server p50 | server p95 |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const phase of ["bypass", "miss", "hit", "near"] as const) console.log(row(phase));
  const missP50 = summarize(wall.miss).p50;
  const hitP50 = summarize(wall.hit).p50;
  console.log(`\nhit / miss (wall p50): ${(hitP50 / missP50).toFixed(2)}×; miss − bypass (lookup + store, wall p50): ${(missP50 - summarize(wall.bypass).p50).toFixed(1)} ms`);
  console.log(
    `near-duplicates below the similarity threshold (answered afresh, not timed): ${nearMisses.size} of ${questions.length}${nearMisses.size ? ` (${[...nearMisses].join("; ")})` : ""}`,
  );
  console.log(`X-Cache not as expected: ${mismatches.length}${mismatches.length ? ` (${mismatches.slice(0, 5).join("; ")})` : ""}; hits whose answer differed from the miss's: ${differentAnswers}`);
  if (mismatches.length > 0 || differentAnswers > 0) process.exitCode = 1;
} finally {
  await bench.dispose();
}
