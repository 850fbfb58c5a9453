/**
 * `npm run provision`: creates everything `wrangler deploy` needs in your
 * Cloudflare account, once, from the names in wrangler.toml:
 *
 *   1. the D1 database (and writes its id into wrangler.toml),
 *   2. the Vectorize index, sized for EMBEDDING_MODEL, cosine metric,
 *      plus a metadata index on `document_id` (and any --metadata-index you add),
 *   3. the ingestion queue and its dead-letter queue,
 *   4. the R2 bucket for uploaded originals (the top-level [[r2_buckets]]
 *      bucket_name once wrangler.toml declares one, else `<name>-originals`),
 *   5. the D1 migrations,
 *   6. an API_KEY secret (generated, printed once) unless one exists.
 *
 * Re-running skips what already exists. `--dry-run` prints every wrangler
 * command, in order, and runs none.
 *
 *   npm run provision -- [--dry-run] [--metadata-index product:string ...] [--dimensions 768]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { knownEmbeddingDimensions } from "../src/adapters/cloudflare/workers-ai-embedder.js";

export interface ProvisioningTarget {
  databaseName: string;
  indexName: string;
  queue: string;
  deadLetterQueue: string;
  /** R2 bucket that keeps uploaded originals. */
  originalsBucket: string;
  /** Whether wrangler.toml binds that bucket (then `wrangler deploy` needs it to exist). */
  originalsBucketBound: boolean;
  embeddingModel: string;
  dimensions: number;
  metadataIndexes: { property: string; type: "string" | "number" | "boolean" }[];
}

export interface Step {
  title: string;
  /** wrangler arguments. */
  args: string[];
  /** When this command succeeds, the step is already done (skip it). */
  exists?: string[];
  /** When set, a failure of the step is reported (with this reason) and provisioning goes on. */
  mayFail?: string;
}

/** Vectorize's largest vector (dimensions per index). */
export const maxVectorizeDimensions = 1536;

/** Reads the production names and model from wrangler.toml's text (top level, before any [env.*]). */
export function readTarget(wranglerToml: string, overrides: { dimensions?: number; metadataIndexes?: string[] } = {}): ProvisioningTarget {
  const topLevel = wranglerToml.split(/^\[env\./m)[0]!;
  const field = (section: string, key: string): string => {
    const block = topLevel.split(new RegExp(`^\\[\\[?${section.replace(".", "\\.")}\\]?\\]\\s*$`, "m"))[1];
    const match = block && new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m").exec(block.split(/^\[/m)[0]!);
    if (!match) throw new Error(`wrangler.toml: no ${key} in [${section}]`);
    return match[1]!;
  };
  const consumers = [...topLevel.matchAll(/^\[\[queues\.consumers\]\][\s\S]*?(?=^\[|$(?![\s\S]))/gm)].map((match) => match[0]);
  const queue = field("queues.producers", "queue");
  const mainConsumer = consumers.find((block) => block.includes(`queue = "${queue}"`));
  const deadLetterQueue = mainConsumer && /dead_letter_queue\s*=\s*"([^"]+)"/.exec(mainConsumer)?.[1];
  if (!deadLetterQueue) throw new Error(`wrangler.toml: the consumer of ${queue} has no dead_letter_queue`);
  const embeddingModel = /^EMBEDDING_MODEL\s*=\s*"([^"]+)"/m.exec(topLevel)?.[1] ?? "@cf/baai/bge-base-en-v1.5";
  const dimensions = overrides.dimensions ?? knownEmbeddingDimensions(embeddingModel);
  if (!dimensions) throw new Error(`unknown dimensions for ${embeddingModel}; pass --dimensions <n>`);
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > maxVectorizeDimensions) {
    throw new Error(`--dimensions ${dimensions}: Vectorize indexes take 1 to ${maxVectorizeDimensions} dimensions`);
  }
  const workerName = /^name\s*=\s*"([^"]+)"/m.exec(topLevel.split(/^\[/m)[0]!)?.[1];
  if (!workerName) throw new Error("wrangler.toml: no top-level name");
  const declaredBucket = /^\[\[r2_buckets\]\]\s*$[\s\S]*?^bucket_name\s*=\s*"([^"]+)"/m.exec(topLevel)?.[1];
  const metadataIndexes = [
    { property: "document_id", type: "string" as const },
    ...(overrides.metadataIndexes ?? []).map((spec) => {
      const [property, type = "string"] = spec.split(":");
      if (!property || !["string", "number", "boolean"].includes(type)) throw new Error(`--metadata-index ${spec}: use <property>:<string|number|boolean>`);
      return { property, type: type as "string" | "number" | "boolean" };
    }),
  ];
  return {
    databaseName: field("d1_databases", "database_name"),
    indexName: field("vectorize", "index_name"),
    queue,
    deadLetterQueue,
    originalsBucket: declaredBucket ?? `${workerName}-originals`,
    originalsBucketBound: declaredBucket !== undefined,
    embeddingModel,
    dimensions,
    metadataIndexes,
  };
}

/** The wrangler commands, in order. Metadata indexes come before any vector is inserted (Vectorize requires it). */
export function planProvisioning(target: ProvisioningTarget): Step[] {
  return [
    { title: `D1 database ${target.databaseName}`, args: ["d1", "create", target.databaseName], exists: ["d1", "info", target.databaseName, "--json"] },
    {
      title: `Vectorize index ${target.indexName} (${target.dimensions} dimensions for ${target.embeddingModel}, cosine)`,
      args: ["vectorize", "create", target.indexName, `--dimensions=${target.dimensions}`, "--metric=cosine"],
      exists: ["vectorize", "get", target.indexName],
    },
    ...target.metadataIndexes.map((index) => ({
      title: `metadata index ${index.property} (${index.type})`,
      args: ["vectorize", "create-metadata-index", target.indexName, `--propertyName=${index.property}`, `--type=${index.type}`],
      // No "exists" probe; creating one twice fails harmlessly.
      mayFail: "already present or not creatable",
    })),
    { title: `queue ${target.queue}`, args: ["queues", "create", target.queue], exists: ["queues", "info", target.queue] },
    { title: `queue ${target.deadLetterQueue}`, args: ["queues", "create", target.deadLetterQueue], exists: ["queues", "info", target.deadLetterQueue] },
    {
      title: `R2 bucket ${target.originalsBucket} (uploaded originals)`,
      args: ["r2", "bucket", "create", target.originalsBucket],
      exists: ["r2", "bucket", "info", target.originalsBucket],
      // Until wrangler.toml binds the bucket, the deploy does not need it (R2 must be enabled in the dashboard first).
      ...(target.originalsBucketBound ? {} : { mayFail: "is R2 enabled for the account? Nothing binds this bucket yet, so the deploy does not need it" }),
    },
  ];
}

/** Succeeds only when wrangler has credentials. */
export const loginCheckArgs = ["whoami", "--json"];
/** Reads the database id (written into wrangler.toml). */
export const databaseInfoArgs = (target: ProvisioningTarget) => ["d1", "info", target.databaseName, "--json"];
/** Applies the D1 migrations to the remote database. */
export const migrationsArgs = (target: ProvisioningTarget) => ["d1", "migrations", "apply", target.databaseName, "--remote"];

/** What `--dry-run` prints: every wrangler command a real run makes, in order, with what decides whether it runs. */
export function describeProvisioning(target: ProvisioningTarget): string {
  const command = (args: string[]) => `wrangler ${args.join(" ")}`;
  return [
    "# Dry run: the wrangler commands `npm run provision` runs, in this order. Nothing was run.",
    "# logged in? (stops here if not)",
    command(loginCheckArgs),
    ...planProvisioning(target).flatMap((step) => [
      `# ${step.title}${step.exists ? `; skipped when \`${command(step.exists)}\` succeeds` : ""}${step.mayFail ? "; a failure is reported and provisioning goes on" : ""}`,
      command(step.args),
    ]),
    "# database id, written into wrangler.toml",
    command(databaseInfoArgs(target)),
    "# migrations (only those not applied yet)",
    command(migrationsArgs(target)),
    "# API key: generated and printed once, unless `wrangler secret list` shows API_KEY",
    command(["secret", "list"]),
    command(["secret", "put", "API_KEY"]),
    "",
  ].join("\n");
}

/** Puts the database id into the top-level [[d1_databases]] entry. */
export function writeDatabaseId(wranglerToml: string, databaseName: string, databaseId: string): string {
  const [topLevel, ...rest] = wranglerToml.split(/^(?=\[env\.)/m);
  const updated = topLevel!.replace(
    new RegExp(`(database_name\\s*=\\s*"${databaseName}"\\s*\\n\\s*database_id\\s*=\\s*")[^"]*(")`),
    `$1${databaseId}$2`,
  );
  if (updated === topLevel) throw new Error(`wrangler.toml: could not find database_id after database_name = "${databaseName}"`);
  return [updated, ...rest].join("");
}

function main() {
  const { values } = parseArgs({
    options: {
      "dry-run": { type: "boolean", default: false },
      dimensions: { type: "string" },
      "metadata-index": { type: "string", multiple: true },
    },
  });
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const tomlPath = join(root, "wrangler.toml");
  const target = readTarget(readFileSync(tomlPath, "utf8"), {
    dimensions: values.dimensions === undefined ? undefined : Number(values.dimensions),
    metadataIndexes: values["metadata-index"],
  });
  const wrangler = (args: string[], options: { quiet?: boolean; input?: string } = {}) =>
    execFileSync(join(root, "node_modules", ".bin", "wrangler"), args, {
      cwd: root,
      encoding: "utf8",
      input: options.input,
      stdio: [options.input === undefined ? "inherit" : "pipe", "pipe", options.quiet ? "pipe" : "inherit"],
    });
  const succeeds = (args: string[]) => {
    try {
      wrangler(args, { quiet: true });
      return true;
    } catch {
      return false;
    }
  };

  if (values["dry-run"]) {
    process.stdout.write(describeProvisioning(target));
    return;
  }
  const steps = planProvisioning(target);

  // Plain `wrangler whoami` exits 0 when logged out too; with --json it fails then.
  if (!succeeds(loginCheckArgs)) throw new Error("not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) first");
  for (const step of steps) {
    if (step.exists && succeeds(step.exists)) {
      console.log(`✓ ${step.title} exists`);
      continue;
    }
    console.log(`→ ${step.title}`);
    try {
      process.stdout.write(wrangler(step.args));
    } catch (error) {
      if (!step.mayFail) throw error;
      console.log(`  (${step.mayFail}: ${String(error).split("\n")[0]})`);
    }
  }

  const info = JSON.parse(wrangler(databaseInfoArgs(target), { quiet: true })) as { uuid?: string };
  if (!info.uuid) throw new Error("could not read the database id from `wrangler d1 info`");
  writeFileSync(tomlPath, writeDatabaseId(readFileSync(tomlPath, "utf8"), target.databaseName, info.uuid));
  console.log(`✓ wrangler.toml database_id = ${info.uuid}`);

  console.log("→ migrations");
  process.stdout.write(wrangler(migrationsArgs(target), { input: "y\n" }));

  let secrets = "";
  try {
    secrets = wrangler(["secret", "list"], { quiet: true });
  } catch {
    // No worker yet: no secrets.
  }
  if (secrets.includes('"API_KEY"')) {
    console.log("✓ API_KEY secret exists");
  } else {
    const key = `rag_${[...crypto.getRandomValues(new Uint8Array(24))].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
    try {
      wrangler(["secret", "put", "API_KEY"], { input: key, quiet: true });
      console.log(`✓ API_KEY secret set. Your admin key (shown once): ${key}`);
    } catch {
      console.log("! could not set the API_KEY secret yet (the worker may not exist before its first deploy).");
      console.log("  After `npm run deploy`, run: npx wrangler secret put API_KEY");
    }
  }
  console.log("Done. Deploy with: npm run deploy");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (error) {
    console.error(`provision failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
