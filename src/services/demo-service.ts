/**
 * The widget demo page: served in local mode only, because it embeds the
 * local API key (on Cloudflare it does not exist).
 */
import type { Mode } from "../config.js";

export class DemoService {
  constructor(private readonly deps: { mode: Mode; apiKey: string | undefined }) {}

  /** The key the demo page may embed, or null when there is no demo (Cloudflare mode). */
  pageKey(): string | null {
    return this.deps.mode === "local" ? (this.deps.apiKey ?? "") : null;
  }
}
