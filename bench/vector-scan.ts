/**
 * `npx tsx bench/vector-scan.ts --sizes 1000,10000,100000 [--clustered] [--noise 0.2] [--json file]`:
 * the local vector stand-in's search against the plain scalar loop, alone
 * (see `lib/vector-scan-bench.ts` for what is measured and how).
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { benchVectorScan } from "./lib/vector-scan-bench.js";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,100000" },
    clustered: { type: "boolean", default: false },
    noise: { type: "string", default: "0.2" },
    json: { type: "string" },
  },
});
const sizes = values.sizes.split(",").map((size) => Number(size.trim()));
if (sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`--sizes must be positive integers, got ${values.sizes}`);

console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log("== random 512-d vectors, cosine, one namespace, topK 10 ==");
const results: Record<string, unknown> = { random: await benchVectorScan(sizes, { log: (line) => console.log(line) }) };
if (values.clustered) {
  const noise = Number(values.noise);
  console.log(`== clustered 512-d vectors (100 centroids, noise ${noise}), cosine, one namespace, topK 10 ==`);
  results.clustered = await benchVectorScan(sizes, { data: "clustered", noise, log: (line) => console.log(line) });
}
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
