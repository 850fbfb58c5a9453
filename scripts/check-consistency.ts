/**
 * `npm run check:consistency`: compares D1's documents, chunk rows and
 * keyword index with the vector index, per tenant, and reports orphans,
 * missing vectors, duplicates and documents whose status disagrees with their
 * chunks; `--repair` fixes what it can, waits for the re-indexing, and checks
 * again. Exit code: 0 when the (last) check found nothing, 1 otherwise.
 *
 *   npm run check:consistency                      # the local data (.wrangler/state)
 *   npm run check:consistency -- --repair
 *   npm run check:consistency -- --url https://edge-rag.example.workers.dev --key "$API_KEY"
 *   npm run check:consistency -- --tenant t_0123456789abcdef --json
 *
 * Without --url it uses the dev server if one answers on 127.0.0.1:8787, and
 * otherwise starts the local server on the same state for the duration of the
 * check.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { countFindings, formatReport, runCheck } from "./lib/consistency-client.js";
import { startLocalServer, type LocalServer } from "./lib/local-server.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    key: { type: "string" },
    tenant: { type: "string" },
    repair: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "state-dir": { type: "string" },
  },
});

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => console.error(`[check] ${line}`);
const key = values.key ?? process.env.API_KEY ?? "local-dev-key";

async function reachable(url: URL): Promise<boolean> {
  try {
    const response = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

let server: LocalServer | undefined;
let url: URL;
if (values.url) {
  url = new URL(values.url);
} else if (!values["state-dir"] && (await reachable(new URL("http://127.0.0.1:8787")))) {
  url = new URL("http://127.0.0.1:8787");
  log(`using the server at ${url.href}`);
} else {
  log("no server running: starting the local server on the local data");
  server = await startLocalServer({ root, port: 0, stateDir: values["state-dir"], vars: { API_KEY: key, LOG_LEVEL: "error" } });
  url = server.url;
}

let exitCode = 1;
try {
  const result = await runCheck({ url, key, tenant: values.tenant, repair: values.repair, log });
  console.log(values.json ? JSON.stringify(result, null, 2) : formatReport(result));
  exitCode = countFindings(result.afterRepair ?? result) === 0 ? 0 : 1;
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await server?.dispose();
}
process.exit(exitCode);
