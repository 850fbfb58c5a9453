/**
 * `<rag-search>`: the search mode's search box and its modal results dialog,
 * in an open shadow root styled by the chat's stylesheet plus search.css.
 *
 * - The box is an input (`data-testid="rag-chat-search-input"`); typing in it,
 *   Enter, or Ctrl/Cmd-K anywhere on the page (search-mode.ts) opens the
 *   dialog with the query so far.
 * - The dialog is a native `<dialog>` opened with `showModal()` (top layer:
 *   above the page whatever its stacking, the rest of the page inert), with
 *   `aria-labelledby`, a focus trap, and Esc (or a click on the backdrop)
 *   closing it and returning focus to where it was.
 * - Typing searches after a pause (debounced); each new query aborts the
 *   request before it, and a response that is not the latest query's is
 *   dropped, so an older answer never replaces a newer one.
 * - ↑/↓ move focus through the results (links to the document's URL, or a
 *   button that asks about the query when a result has none) and the "Ask"
 *   button; Enter opens; typing goes back to the field. Enter in the field,
 *   or "Ask", closes the dialog and asks the chat (`window.RagChat.ask`).
 */
import type { ModeKit } from "../mode-kit.js";
import type { WidgetOptions } from "../widget-options.js";
import { fetchSearch, SearchError, type SearchResult } from "./search-client.js";
import { resultExcerpt } from "./search-snippet.js";
import { resolveSearchStrings, type SearchStrings } from "./search-strings.js";
import searchCss from "./search.css";

/** Pause after the last keystroke before a query is sent. */
export const searchDebounceMs = 200;
/** Results a search asks for: within the API's cap for publishable keys (10, functions/routes/search.ts). */
const resultCount = 8;
const searchIcon = '<circle cx="11" cy="11" r="7"/><path d="m20 20-4-4"/>';

export interface RagSearchElement extends HTMLElement {
  /** Opens the results dialog (with `query` in its field when given). */
  openSearch(query?: string): void;
  /** Closes it and returns focus. */
  closeSearch(): void;
}

export function defineSearchElement(kit: ModeKit): void {
  if (customElements.get("rag-search")) return;
  const { h } = kit;
  let sheets: CSSStyleSheet[] | undefined;

  class SearchElement extends HTMLElement implements RagSearchElement {
    readonly #root = this.attachShadow({ mode: "open", delegatesFocus: true });
    #options!: WidgetOptions;
    #strings!: SearchStrings;
    #box!: HTMLInputElement;
    #dialog!: HTMLDialogElement;
    #field!: HTMLInputElement;
    #status!: HTMLElement;
    #list!: HTMLElement;
    #ask!: HTMLButtonElement;
    #returnFocus: HTMLElement | null = null;
    #timer: ReturnType<typeof setTimeout> | undefined;
    #abort: AbortController | undefined;
    /** Number of the latest query sent; a response for any other is stale. */
    #latest = 0;
    /** The status line of what the list shows (results, no results, an error), restored when a search is cancelled. */
    #shownStatus = "";

    constructor() {
      super();
      // Constructed stylesheets are not subject to the page's CSP style-src; <style> elements are the fallback.
      if ("adoptedStyleSheets" in this.#root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
        sheets ??= [kit.styles, searchCss].map((css) => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
          return sheet;
        });
        this.#root.adoptedStyleSheets = sheets;
      } else {
        this.#root.append(h("style", {}, kit.styles), h("style", {}, searchCss));
      }
    }

    connectedCallback(): void {
      if (this.#box) return;
      this.#configure();
      this.#render();
    }

    disconnectedCallback(): void {
      this.#cancel();
    }

    openSearch(query?: string): void {
      if (!this.#box) return;
      if (this.#dialog.open) {
        this.#field.focus();
        return;
      }
      this.#configure();
      const active = document.activeElement;
      this.#returnFocus = active === this ? this.#box : active instanceof HTMLElement && active !== document.body ? active : null;
      this.#field.value = query ?? this.#box.value;
      this.#dialog.showModal();
      this.#field.focus();
      this.#field.setSelectionRange(this.#field.value.length, this.#field.value.length);
      this.#onQuery();
    }

    closeSearch(): void {
      if (!this.#dialog?.open) return;
      this.#cancel();
      this.#dialog.close();
      (this.#returnFocus?.isConnected ? this.#returnFocus : this.#box).focus();
    }

    #configure(): void {
      this.#options = kit.readOptions(this, { api: kit.api, mode: "inline" });
      let overrides: unknown;
      try {
        overrides = this.dataset.strings ? JSON.parse(this.dataset.strings) : undefined;
      } catch {
        overrides = undefined; // readOptions has warned
      }
      this.#strings = resolveSearchStrings(this.#options.lang, overrides);
      if (this.#options.accent) this.style.setProperty("--rag-chat-accent", this.#options.accent);
    }

    #render(): void {
      const s = this.#strings;
      const mac = /Mac|iPhone|iPad/.test(navigator.platform);
      const glass = kit.icon("chat");
      glass.innerHTML = searchIcon; // constant markup
      this.#box = h("input", {
        id: "box",
        type: "search",
        part: "search-input",
        "data-testid": "rag-chat-search-input",
        placeholder: s.searchPlaceholder,
        autocomplete: "off",
        spellcheck: "false",
        "aria-haspopup": "dialog",
        "aria-keyshortcuts": mac ? "Meta+K" : "Control+K",
        oninput: () => {
          if (this.#box.value.trim()) this.openSearch();
        },
        onkeydown: (event: Event) => {
          const key = event as KeyboardEvent;
          if (key.key === "Enter" && !key.isComposing) {
            key.preventDefault();
            this.openSearch();
          }
        },
      });
      this.#field = h("input", {
        id: "field",
        type: "search",
        part: "search-field",
        "data-testid": "rag-chat-search-field",
        placeholder: s.searchPlaceholder,
        autocomplete: "off",
        spellcheck: "false",
        maxlength: 4096,
        "aria-controls": "results",
        "aria-describedby": "hint",
        oninput: () => this.#onQuery(),
      });
      this.#status = h("p", { id: "status", class: "status", part: "search-status", role: "status" });
      this.#list = h("ul", { id: "results", class: "results", part: "search-results", "aria-label": s.results });
      this.#ask = h("button", { type: "button", class: "ask", part: "search-ask", "data-testid": "rag-chat-search-ask", hidden: true, onclick: () => this.#askChat() });
      this.#dialog = h(
        "dialog",
        {
          class: "search-dialog",
          part: "search-dialog",
          "aria-labelledby": "search-title",
          "data-testid": "rag-chat-search-dialog",
          onkeydown: (event: Event) => this.#onDialogKey(event as KeyboardEvent),
          // Esc: the native close would not return focus to where it was.
          oncancel: (event: Event) => {
            event.preventDefault();
            this.closeSearch();
          },
          // A click on the backdrop (the dialog element itself, outside its content box) closes.
          onclick: (event: Event) => {
            if (event.target === this.#dialog) this.closeSearch();
          },
        },
        h(
          "div",
          { class: "search-head" },
          h("h2", { id: "search-title", class: "sr-only" }, s.searchLabel),
          h(
            "form",
            {
              role: "search",
              onsubmit: (event: Event) => {
                event.preventDefault();
                this.#askChat();
              },
            },
            h("label", { for: "field", class: "sr-only" }, s.searchLabel),
            this.#field,
          ),
          h("button", { type: "button", class: "icon", part: "search-close", "aria-label": s.closeSearch, title: s.closeSearch, onclick: () => this.closeSearch() }, kit.icon("close")),
        ),
        this.#status,
        this.#list,
        this.#ask,
        h("p", { id: "hint", class: "hint" }, s.keyHint),
      );
      this.#root.append(
        h(
          "div",
          { class: "search-box", part: "search-box" },
          glass,
          h("label", { for: "box", class: "sr-only" }, s.searchLabel),
          this.#box,
          h("kbd", { "aria-hidden": "true" }, mac ? "⌘ K" : "Ctrl K"),
        ),
        this.#dialog,
      );
    }

    #onDialogKey(event: KeyboardEvent): void {
      const active = this.#root.activeElement as HTMLElement | null;
      if (event.key === "Escape") {
        event.preventDefault();
        this.closeSearch();
      } else if (event.key === "Tab") {
        kit.trapTab(event, this.#dialog, this.#root);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        // The field, then each result, then "Ask"; ↑ from the first result returns to the field.
        const stops = [this.#field, ...this.#list.querySelectorAll<HTMLElement>(".result"), ...(this.#ask.hidden ? [] : [this.#ask])];
        const at = stops.indexOf(active as HTMLElement);
        const next = stops[Math.max(0, Math.min(stops.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))];
        event.preventDefault();
        next?.focus();
      } else if (active !== this.#field && String(event.key).length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
        this.#field.focus(); // typing on a result goes on in the field
      }
    }

    #onQuery(): void {
      const query = this.#field.value.trim();
      this.#box.value = this.#field.value; // the box behind the backdrop shows the query too
      this.#ask.hidden = !query;
      this.#ask.textContent = kit.format(this.#strings.ask, { query });
      clearTimeout(this.#timer);
      if (query.length < 2 || query === this.#list.dataset.query) {
        // Too short to search, or the results shown already answer it (reopening the dialog, typing back): no request.
        this.#cancel();
        if (query.length < 2) {
          this.#list.replaceChildren();
          delete this.#list.dataset.query;
          this.#status.textContent = this.#shownStatus = "";
        }
        return;
      }
      this.#timer = setTimeout(() => void this.#search(query), searchDebounceMs);
    }

    #cancel(): void {
      clearTimeout(this.#timer);
      if (this.#abort) {
        // A request in flight: its `finally` will see a newer number and leave the busy state, so clear it here.
        this.#abort.abort();
        this.#abort = undefined;
        this.#list.removeAttribute("aria-busy");
        this.#status.textContent = this.#shownStatus;
      }
      this.#latest++;
    }

    async #search(query: string): Promise<void> {
      this.#abort?.abort(); // the previous query's request, if still running
      const abort = new AbortController();
      this.#abort = abort;
      const number = ++this.#latest;
      const options = this.#options;
      this.#list.setAttribute("aria-busy", "true");
      this.#status.textContent = this.#strings.searching;
      try {
        const results = await fetchSearch({ url: `${options.api}/v1/search`, key: options.key, query, topK: resultCount, filter: options.filter, signal: abort.signal });
        if (number !== this.#latest) return;
        this.#showResults(results, query);
      } catch (error) {
        if (abort.signal.aborted || number !== this.#latest) return;
        this.#showError(error);
      } finally {
        if (number === this.#latest) {
          this.#list.removeAttribute("aria-busy");
          this.#abort = undefined;
        }
      }
    }

    #showResults(results: SearchResult[], query: string): void {
      const s = this.#strings;
      this.#list.dataset.query = query; // which query these results answer (for tests and styling)
      this.#status.textContent = this.#shownStatus =
        results.length === 0 ? kit.format(s.noResults, { query }) : results.length === 1 ? s.resultOne : kit.format(s.resultCount, { count: results.length });
      this.#list.replaceChildren(
        ...results.map((result) => {
          const excerpt = resultExcerpt(result, query);
          const url = safeUrl(result.source_url);
          const title = result.title || s.untitledResult;
          // The heading path starts with the document's title, shown already.
          const heading = result.heading?.startsWith(`${result.title} > `) ? result.heading.slice(result.title.length + 3) : result.heading === result.title ? "" : result.heading;
          const content = [
            h("span", { class: "result-title" }, title),
            heading && h("span", { class: "result-path" }, heading),
            h("span", { class: "result-snippet" }, kit.snippetNodes(excerpt.text, excerpt.highlights)),
            url && h("span", { class: "result-path" }, url.host),
          ];
          const attributes = { class: "result", part: "search-result", "data-testid": "rag-chat-result", "data-document-id": result.document_id, "data-chunk-id": result.chunk_id };
          return h(
            "li",
            {},
            url ? h("a", { ...attributes, href: url.href }, ...content) : h("button", { ...attributes, type: "button", onclick: () => this.#askChat() }, ...content),
          );
        }),
      );
    }

    #showError(error: unknown): void {
      const s = this.#strings;
      const failure = error instanceof SearchError ? error : new SearchError("INTERNAL", String(error));
      this.#list.replaceChildren();
      delete this.#list.dataset.query;
      this.#status.textContent = this.#shownStatus =
        failure.code === "NETWORK"
          ? s.searchNetwork
          : failure.code === "RATE_LIMITED"
            ? kit.format(s.searchRateLimited, { seconds: failure.retryAfterSeconds ?? 60 })
            : failure.code === "UNAUTHORIZED" || failure.code === "FORBIDDEN"
              ? s.searchRefused
              : kit.format(s.searchError, { message: failure.message || failure.code });
    }

    /** Closes the dialog and asks the chat the query (it opens with the answer streaming). */
    #askChat(): void {
      const query = this.#field.value.trim();
      if (!query) return;
      this.closeSearch();
      void window.RagChat?.ask(query);
    }
  }

  customElements.define("rag-search", SearchElement);
}

/** Absolute http(s) URLs only (a result's `source_url` comes from the documents). */
function safeUrl(value: string | null | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}
