/**
 * The local demo page (GET /demo in local mode): a stand-in for a customer's
 * website that embeds the chat widget with the one-script-tag snippet, and
 * loads the sample documents into an empty local index on first visit
 * through the public API. Served with a strict CSP (the widget needs no
 * inline styles or scripts of its own).
 */
import { sampleDocs } from "./sample-docs.js";

export interface DemoPageOptions {
  /** Origin of the local server, shown in the snippet. */
  origin: string;
  /** The local admin key, used by the widget and the sample loader. */
  apiKey: string;
  /** Per-response nonce for the page's own inline style and script. */
  nonce: string;
}

const suggestions = ["How long do I have to ask for a refund?", "What does error code E4 mean?", "When is support open?"];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page's Content-Security-Policy. */
export function demoContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function renderDemoPage(options: DemoPageOptions): string {
  const { origin, apiKey, nonce } = options;
  const documentsJson = JSON.stringify(sampleDocs).replace(/</g, "\\u003c");
  const snippet = `<script src="${origin}/widget.js" data-key="${apiKey}" defer></script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Help center · Example Cloud (edge-rag demo)</title>
<style nonce="${nonce}">
  :root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --text: #1f2328; --muted: #57606a; --line: #d8dee4; --brand: #1d4ed8; }
  @media (prefers-color-scheme: dark) { :root { --bg: #0b0f14; --card: #141a22; --text: #e6edf3; --muted: #a3adb8; --line: #2b333d; --brand: #8cc4ff; } }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--text); font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; }
  a { color: var(--brand); }
  .wrap { max-width: 860px; margin: 0 auto; padding: 0 24px; }
  .site { background: var(--card); border-bottom: 1px solid var(--line); }
  .site .wrap { display: flex; align-items: center; gap: 24px; height: 60px; }
  .brand { font-weight: 700; font-size: 18px; text-decoration: none; color: var(--text); }
  nav { display: flex; gap: 18px; }
  main { padding: 28px 24px 120px; }
  h1 { font-size: 30px; margin: 8px 0 4px; }
  h2 { font-size: 19px; margin: 32px 0 8px; }
  .lead { color: var(--muted); margin-top: 0; }
  .status { padding: 10px 14px; border: 1px solid var(--line); border-radius: 10px; background: var(--card); }
  .docs { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
  .docs li { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
  .docs span { display: block; color: var(--muted); font-size: 14px; }
  pre { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px; overflow-x: auto; font-size: 13px; }
  footer { color: var(--muted); font-size: 14px; padding-bottom: 32px; }
</style>
</head>
<body>
<header class="site"><div class="wrap"><a class="brand" href="/demo">Example Cloud</a><nav aria-label="Main"><a href="#documents">Documents</a><a href="#try">Try it</a><a href="#snippet">Snippet</a></nav></div></header>
<main class="wrap">
<h1>Help center</h1>
<p class="lead">A stand-in for your website. The chat button in the corner is the edge-rag widget: one script tag, answering from the documents below with citations. Everything runs on this machine (local mode).</p>
<p id="demo-status" class="status" data-testid="demo-status" data-state="checking" role="status">Checking the local index…</p>
<h2 id="documents">Sample documents</h2>
<ul class="docs">
${sampleDocs.map((doc) => `<li><strong>${escapeHtml(doc.title)}</strong><span>${escapeHtml(doc.format)} · ${escapeHtml(doc.id)}</span></li>`).join("\n")}
</ul>
<h2 id="try">Try it</h2>
<ul>
${suggestions.map((question) => `<li>${escapeHtml(question)}</li>`).join("\n")}
</ul>
<h2 id="snippet">The snippet</h2>
<p>Paste this into any page (the key is your local key here; publishable keys come later):</p>
<pre><code>${escapeHtml(snippet)}</code></pre>
</main>
<footer class="wrap">edge-rag local demo · <a href="/health">/health</a></footer>
<script type="application/json" id="sample-documents">${documentsJson}</script>
<script nonce="${nonce}">
(async () => {
  const status = document.getElementById("demo-status");
  const key = ${JSON.stringify(apiKey).replace(/</g, "\\u003c")};
  const documents = JSON.parse(document.getElementById("sample-documents").textContent);
  const show = (state, text) => { status.dataset.state = state; status.textContent = text; };
  const api = async (path, init = {}) => {
    const response = await fetch(path, { ...init, headers: { authorization: "Bearer " + key, "content-type": "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : "HTTP " + response.status);
    return body;
  };
  const samplesReady = async () => {
    const states = await Promise.all(documents.map((doc) => fetch("/v1/documents/" + encodeURIComponent(doc.id), { headers: { authorization: "Bearer " + key } }).then((response) => response.json())));
    return states.every((doc) => doc.status === "ready");
  };
  try {
    const existing = await api("/v1/documents?limit=1");
    if (existing.documents.length > 0) {
      // Not a first run: the samples are there already, or this index has other documents (left alone).
      if (await samplesReady()) show("ready", documents.length + " sample documents are indexed. Open the chat and ask away.");
      else show("ready", "The local index already has documents, so no samples were loaded (npm run dev -- --reset starts empty).");
      return;
    }
    show("loading", "Loading " + documents.length + " sample documents…");
    await api("/v1/documents/batch", { method: "POST", body: JSON.stringify({ documents }) });
    for (;;) {
      const states = await Promise.all(documents.map((doc) => api("/v1/documents/" + encodeURIComponent(doc.id))));
      const failed = states.find((doc) => doc.status === "failed");
      if (failed) throw new Error(failed.id + ": " + failed.error);
      const ready = states.filter((doc) => doc.status === "ready").length;
      if (ready === documents.length) break;
      show("loading", "Indexing the sample documents: " + ready + " of " + documents.length + " ready…");
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    show("ready", documents.length + " sample documents are indexed. Open the chat and ask away.");
  } catch (error) {
    show("error", "The sample documents could not be loaded: " + error.message);
  }
})();
</script>
<script src="/widget.js" data-key="${escapeHtml(apiKey)}" data-title="Example Cloud help" data-welcome="Hi! I answer questions about Example Cloud from the help center's documents, with sources." data-suggestions="${escapeHtml(suggestions.join("|"))}" defer></script>
</body>
</html>
`;
}
