/**
 * The client half of `npm run check:consistency`: drives a running instance's
 * admin endpoints (`POST /v1/consistency` per tenant, page by page, and
 * `GET /v1/consistency/index`), optionally repairs, waits for the repairs'
 * re-indexing to drain, and checks again. Works against the local server and
 * against a deployed worker alike (it needs the operator key to see every
 * tenant; a tenant admin key checks its own tenant).
 */

export interface CheckOptions {
  url: URL;
  key: string;
  /** Only this tenant (default: every tenant the key can see). */
  tenant?: string;
  repair?: boolean;
  /** How long to wait for re-indexing after a repair (default 120 s). */
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Finding {
  kind: string;
  repaired?: boolean;
  [field: string]: unknown;
}

export interface TenantResult {
  tenant: string;
  findings: Finding[];
  checked: { vector_sets: number; vectors: number };
}

export interface IndexResult {
  index_vectors: number;
  live_vectors: number;
  stale_vectors: number;
  unaccounted_vectors: number;
}

export interface CheckResult {
  tenants: TenantResult[];
  index: IndexResult | null;
  /** After a repair: the findings of the check that followed it. */
  afterRepair?: { tenants: TenantResult[]; index: IndexResult | null };
}

/** Calls one endpoint; throws with the API's error message on failure. */
async function request<T>(options: CheckOptions, method: string, path: string, init: { body?: unknown; tenant?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.tenant !== undefined) headers["x-tenant-id"] = init.tenant;
  const response = await fetch(new URL(path, options.url), { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${body?.error?.code ?? ""} ${body?.error?.message ?? text.slice(0, 200)}`.trim());
  return body as T;
}

/** The tenants to check: the one asked for, or every tenant the key sees. */
export async function tenantsToCheck(options: CheckOptions): Promise<string[]> {
  if (options.tenant) return [options.tenant];
  const { tenants } = await request<{ tenants: { id: string }[] }>(options, "GET", "/v1/tenants");
  return tenants.map((tenant) => tenant.id);
}

/** Checks (and with `repair`, repairs) one tenant, every page. */
export async function checkTenant(options: CheckOptions, tenant: string, repair: boolean): Promise<TenantResult> {
  const result: TenantResult = { tenant, findings: [], checked: { vector_sets: 0, vectors: 0 } };
  let cursor: string | undefined;
  do {
    const page = await request<{ findings: Finding[]; next_cursor: string | null; checked: { vector_sets: number; vectors: number } }>(options, "POST", "/v1/consistency", {
      tenant,
      body: { repair, ...(cursor ? { cursor } : {}) },
    });
    result.findings.push(...page.findings);
    result.checked.vector_sets += page.checked.vector_sets;
    result.checked.vectors += page.checked.vectors;
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return result;
}

/** The index-wide comparison; null when the key may not ask (not the operator). */
export async function checkIndex(options: CheckOptions): Promise<IndexResult | null> {
  try {
    return await request<IndexResult>(options, "GET", "/v1/consistency/index");
  } catch (error) {
    if (/\b403\b/.test(String(error))) return null;
    throw error;
  }
}

/** Waits until none of the tenants has documents queued or processing. */
export async function waitForBacklog(options: CheckOptions, tenants: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let backlog = 0;
    for (const tenant of tenants) {
      const stats = await request<{ documents: { queued: number; processing: number } }>(options, "GET", "/v1/index/stats", { tenant });
      backlog += stats.documents.queued + stats.documents.processing;
    }
    if (backlog === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const log = options.log ?? (() => {});
  const tenants = await tenantsToCheck(options);
  const results: TenantResult[] = [];
  for (const tenant of tenants) results.push(await checkTenant(options, tenant, options.repair ?? false));
  const index = await checkIndex(options);
  const result: CheckResult = { tenants: results, index };
  if (options.repair && countFindings(result) > 0) {
    log("repairs started; waiting for re-indexing to finish");
    const settled = await waitForBacklog(options, tenants, options.settleTimeoutMs ?? 120_000);
    if (!settled) log("re-indexing has not finished yet; the check below may still see it in progress");
    const after: TenantResult[] = [];
    for (const tenant of tenants) after.push(await checkTenant(options, tenant, false));
    result.afterRepair = { tenants: after, index: await checkIndex(options) };
  }
  return result;
}

/** Findings in a check (index-wide unaccounted vectors count as one). */
export function countFindings(result: { tenants: TenantResult[]; index: IndexResult | null }): number {
  return result.tenants.reduce((sum, tenant) => sum + tenant.findings.length, 0) + (result.index && result.index.unaccounted_vectors > 0 ? 1 : 0);
}

/** A plain-text report. */
export function formatReport(result: CheckResult): string {
  const lines: string[] = [];
  const section = (title: string, part: { tenants: TenantResult[]; index: IndexResult | null }) => {
    lines.push(title);
    for (const tenant of part.tenants) {
      const byKind = new Map<string, number>();
      for (const finding of tenant.findings) byKind.set(finding.kind, (byKind.get(finding.kind) ?? 0) + 1);
      const summary = byKind.size === 0 ? "ok" : [...byKind].map(([kind, n]) => `${kind}: ${n}`).join(", ");
      lines.push(`  tenant ${tenant.tenant}: ${summary} (${tenant.checked.vector_sets} vector sets, ${tenant.checked.vectors} vectors checked)`);
      for (const finding of tenant.findings.slice(0, 20)) lines.push(`    - ${JSON.stringify(finding)}`);
      if (tenant.findings.length > 20) lines.push(`    … ${tenant.findings.length - 20} more`);
    }
    if (part.index) {
      const { index_vectors, live_vectors, stale_vectors, unaccounted_vectors } = part.index;
      lines.push(`  vector index: ${index_vectors} vectors; ${live_vectors} live and ${stale_vectors} stale accounted for; ${unaccounted_vectors} unaccounted`);
    }
    lines.push(`  findings: ${countFindings(part)}`);
  };
  section("consistency check", result);
  if (result.afterRepair) section("after repair", result.afterRepair);
  return lines.join("\n");
}
