/**
 * What widget.js hands to its lazily loaded modes (widget-search.js,
 * widget-page.js): the shared code itself, so a mode chunk bundles only its
 * own files and never a second copy of the chat, the DOM helpers or the
 * strings (scripts/lib/widget-build.ts checks this).
 */
import type { h } from "./dom-builder.js";
import type { trapTab } from "./focus-trap.js";
import type { format } from "./i18n.js";
import type { icon } from "./icons.js";
import type { snippetNodes } from "./snippet.js";
import type { readOptions } from "./widget-options.js";

export interface ModeKit {
  h: typeof h;
  icon: typeof icon;
  format: typeof format;
  snippetNodes: typeof snippetNodes;
  trapTab: typeof trapTab;
  readOptions: typeof readOptions;
  /** The chat's stylesheet (palette, themes, `.sr-only`), adopted by the modes' shadow roots under their own. */
  styles: string;
  /** Where the API is when `data-api` is absent. */
  api: string;
}

/** A mode chunk's one export: `mount` is called once, after DOMContentLoaded, with the script tag that loaded widget.js. */
export interface ModeModule {
  mount(kit: ModeKit, script: HTMLScriptElement, doc: Document): void;
}

export type LazyMode = "search" | "page";
