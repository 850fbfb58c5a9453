/**
 * `<rag-chat>`: the chat assistant as a custom element in an open shadow
 * root (host-page CSS cannot reach in, ours cannot leak out). Two modes:
 * "launcher" (a floating button that opens a modal dialog with a focus trap;
 * Esc closes it and returns focus) and "inline" (the panel in the page flow;
 * `data-mode="page"` is inline too, laid out full-page by modes/page-mode.ts).
 *
 * Screen readers hear completed messages, not every token: the log is an
 * `aria-live="polite"` region, and the answer being streamed sits in an
 * inert, aria-hidden element that is swapped for the finished message once
 * the answer is complete.
 */
import { createConversationStore, type ChatMessage, type ConversationStore } from "./conversation-store.js";
import { h } from "./dom-builder.js";
import { sendFeedback } from "./feedback-client.js";
import { trapTab } from "./focus-trap.js";
import { sanitizeHtml } from "./html-sanitizer.js";
import { format, type Strings } from "./i18n.js";
import { icon } from "./icons.js";
import { isSafeUrl, renderMarkdown } from "./markdown-renderer.js";
import { snippetNodes } from "./snippet.js";
import { ChatStreamError, streamChat, type ChatSource, type ChatTurn } from "./sse-client.js";
import styles from "./styles.css";
import { optionAttributes, readOptions, type DisplayMode, type WidgetOptions } from "./widget-options.js";

/** Payload of the `rag-chat:message` event. */
export interface MessageEventDetail {
  id: string;
  role: "user" | "assistant";
  content: string;
  sources?: ChatSource[];
}

let defaultApi = typeof location === "undefined" ? "" : location.origin;

/** Where the API is when `data-api` is absent: the origin the widget script was loaded from. */
export function setDefaultApi(api: string): void {
  defaultApi = api;
}

/** Turns sent as context with each question (the API accepts 50). */
const maxHistoryTurns = 20;
const maxTurnCharacters = 8000;
const citationPattern = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

let sharedSheet: CSSStyleSheet | undefined;

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12)); // randomUUID needs a secure context
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function citedNumbers(text: string): Set<number> {
  const cited = new Set<number>();
  for (const match of text.matchAll(citationPattern)) for (const n of match[1]!.split(",")) cited.add(Number(n.trim()));
  return cited;
}

export class RagChatElement extends HTMLElement {
  static observedAttributes = optionAttributes;

  /** "launcher" for the element the script tag inserts; a page's own `<rag-chat>` is inline unless `data-mode` says otherwise. */
  defaultMode: DisplayMode = "inline";

  readonly #root: ShadowRoot;
  #styleElement: HTMLStyleElement | undefined;
  #options!: WidgetOptions;
  #store!: ConversationStore;
  #messages: ChatMessage[] = [];
  #isOpen = false;
  #returnFocus: HTMLElement | null = null;
  #abort: AbortController | undefined;
  #answering: Promise<void> | undefined;
  #frame = 0;
  #connected = false;
  /** Options changed while answering. */
  #stale = false;
  // Rendered parts.
  #launcher: HTMLButtonElement | undefined;
  #panel!: HTMLElement;
  #log!: HTMLElement;
  #input!: HTMLTextAreaElement;
  #send!: HTMLButtonElement;
  #stop!: HTMLButtonElement;
  #status!: HTMLElement;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    // A constructed stylesheet is not subject to the page's CSP style-src, unlike a <style> element.
    if ("adoptedStyleSheets" in this.#root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(styles);
      }
      this.#root.adoptedStyleSheets = [sharedSheet];
    } else {
      this.#styleElement = h("style", {}, styles);
    }
  }

  get #strings(): Strings {
    return this.#options.strings;
  }

  get #floating(): boolean {
    return this.#options.mode === "launcher";
  }

  connectedCallback(): void {
    this.#connected = true;
    this.#configure();
    this.#messages = this.#store.load();
    const last = this.#messages[this.#messages.length - 1];
    if (last?.role === "user") {
      // The page was left while this question was being answered.
      this.#messages.push({ id: newId(), role: "assistant", content: "", status: "error", error: { code: "INCOMPLETE", message: "" } });
    }
    this.#render();
  }

  disconnectedCallback(): void {
    this.#connected = false;
    this.#abort?.abort();
  }

  attributeChangedCallback(_name: string, previous: string | null, next: string | null): void {
    if (!this.#connected || previous === next) return;
    if (this.#abort) {
      this.#stale = true; // applied when the answer in progress is complete
      return;
    }
    this.#configure();
    this.#render();
  }

  /** Opens the chat (launcher mode); focus moves to the question box. */
  open(): void {
    if (!this.#connected || this.#isOpen) return;
    const active = document.activeElement;
    this.#returnFocus = active instanceof HTMLElement && active !== this && active !== document.body ? active : null;
    this.#setOpen(true);
    this.#input.focus({ preventScroll: true });
    this.#scrollToEnd();
    this.#emit("rag-chat:open");
  }

  /** Closes the chat (launcher mode) and returns focus to where it was before opening. */
  close(): void {
    if (!this.#connected || !this.#isOpen || !this.#floating) return;
    this.#setOpen(false);
    const target = this.#returnFocus?.isConnected ? this.#returnFocus : this.#launcher;
    target?.focus();
    this.#emit("rag-chat:close");
  }

  /** Opens the chat and asks `text` (stopping an answer in progress). */
  async ask(text: string): Promise<void> {
    const question = text.trim();
    if (!question || !this.#connected) return;
    this.open();
    if (this.#abort) {
      this.#abort.abort();
      await this.#answering;
    }
    const message: ChatMessage = { id: newId(), role: "user", content: question, status: "done" };
    this.#messages.push(message);
    this.#clearWelcome();
    this.#log.append(this.#messageElement(message));
    this.#save();
    this.#emit("rag-chat:message", { id: message.id, role: "user", content: question });
    await this.#answer();
  }

  /** Starts a new conversation: stops any answer and forgets the stored one. */
  reset(): void {
    this.#abort?.abort();
    this.#messages = [];
    this.#store?.clear();
    if (this.#connected) {
      this.#renderLog();
      if (this.#isOpen) this.#input.focus();
    }
  }

  #configure(): void {
    this.#options = readOptions(this, { api: defaultApi, mode: this.defaultMode });
    this.#store = createConversationStore(this.#options.storage, this.#options.api);
    if (this.#options.accent) {
      this.style.setProperty("--rag-chat-accent", this.#options.accent);
      this.style.setProperty("--rag-chat-accent-text", this.#textOn(this.#options.accent));
    }
  }

  /** Black or white, whichever contrasts more with `color` (so any accent keeps its labels readable). */
  #textOn(color: string): string {
    const probe = h("i", { hidden: true });
    probe.style.color = color;
    this.#root.append(probe);
    const channels = (getComputedStyle(probe).color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    probe.remove();
    if (channels.length < 3) return "#fff";
    const [r, g, b] = channels.map((value) => {
      const c = value / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#111" : "#fff";
  }

  #render(): void {
    const s = this.#strings;
    const floating = this.#floating;
    this.#launcher = floating
      ? h(
          "button",
          {
            type: "button",
            class: "launcher",
            part: "launcher",
            "data-testid": "rag-chat-launcher",
            "aria-haspopup": "dialog",
            "aria-controls": "panel",
            onclick: () => (this.#isOpen ? this.close() : this.open()),
          },
          icon("chat"),
        )
      : undefined;

    this.#log = h("div", { class: "log", part: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": s.conversation, tabindex: 0 });
    this.#input = h("textarea", {
      id: "input",
      part: "input",
      "data-testid": "rag-chat-input",
      rows: 1,
      maxlength: 4000,
      placeholder: s.placeholder,
      oninput: () => {
        this.#input.style.height = "auto";
        this.#input.style.height = `${Math.min(this.#input.scrollHeight, 140)}px`;
      },
      onkeydown: (event: Event) => {
        const key = event as KeyboardEvent;
        if (key.key === "Enter" && !key.shiftKey && !key.isComposing) {
          key.preventDefault();
          this.#submit();
        }
      },
    });
    this.#send = h("button", { type: "submit", class: "send", part: "send", "data-testid": "rag-chat-send", "aria-label": s.send, title: s.send }, icon("send"));
    this.#stop = h(
      "button",
      { type: "button", class: "stop", part: "stop", "data-testid": "rag-chat-stop", "aria-label": s.stop, title: s.stop, hidden: true, onclick: () => this.#abort?.abort() },
      icon("stop"),
    );
    this.#status = h("p", { class: "sr-only", role: "status" });

    this.#panel = h(
      "div",
      {
        id: "panel",
        class: floating ? "panel floating" : "panel inline",
        part: "panel",
        role: floating ? "dialog" : "region",
        "aria-modal": floating ? "true" : undefined,
        "aria-labelledby": "title",
        onkeydown: (event: Event) => this.#onPanelKey(event as KeyboardEvent),
      },
      h(
        "div",
        { class: "header", part: "header" },
        h("h2", { id: "title", part: "title" }, s.title),
        h("button", { type: "button", class: "icon", part: "new-chat", "aria-label": s.newChat, title: s.newChat, onclick: () => this.reset() }, icon("plus")),
        floating && h("button", { type: "button", class: "icon", part: "close", "aria-label": s.close, title: s.close, onclick: () => this.close() }, icon("close")),
      ),
      this.#log,
      this.#status,
      h(
        "form",
        {
          part: "composer",
          onsubmit: (event: Event) => {
            event.preventDefault();
            this.#submit();
          },
        },
        h("label", { for: "input", class: "sr-only" }, s.inputLabel),
        this.#input,
        this.#send,
        this.#stop,
      ),
      h("p", { class: "footer", part: "footer" }, s.disclaimer),
    );
    this.#root.replaceChildren(...[this.#styleElement, this.#launcher, this.#panel].filter((node): node is HTMLElement => node !== undefined));
    this.#renderLog();
    this.#setOpen(this.#isOpen || !floating);
  }

  #setOpen(open: boolean): void {
    this.#isOpen = open;
    this.#panel.hidden = !open;
    if (this.#launcher) {
      this.#launcher.setAttribute("aria-expanded", String(open));
      this.#launcher.setAttribute("aria-label", open ? this.#strings.close : this.#strings.open);
    }
  }

  #onPanelKey(event: KeyboardEvent): void {
    if (!this.#floating) return;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.close();
    } else if (event.key === "Tab") {
      trapTab(event, this.#panel, this.#root); // focus stays in the dialog
    }
  }

  #renderLog(): void {
    const s = this.#strings;
    this.#log.replaceChildren();
    if (this.#messages.length === 0) {
      this.#log.append(h("p", { class: "welcome", part: "welcome" }, s.welcome));
      if (this.#options.suggestions.length > 0) {
        this.#log.append(
          h(
            "ul",
            { class: "suggestions", "aria-label": s.suggestions },
            ...this.#options.suggestions.map((question) =>
              h("li", {}, h("button", { type: "button", class: "suggestion", part: "suggestion", onclick: () => void this.ask(question) }, question)),
            ),
          ),
        );
      }
    }
    for (const message of this.#messages) this.#log.append(this.#messageElement(message));
  }

  #clearWelcome(): void {
    for (const element of this.#log.querySelectorAll(".welcome, .suggestions")) element.remove();
  }

  #submit(): void {
    const text = this.#input.value;
    if (!text.trim() || this.#abort) return;
    this.#input.value = "";
    this.#input.style.height = "";
    void this.ask(text);
  }

  /** The conversation as API turns: completed messages only, the latest last. */
  #history(): ChatTurn[] {
    const turns: ChatTurn[] = [];
    for (const message of this.#messages) {
      const content = message.content.slice(0, maxTurnCharacters);
      if (message.role === "user") turns.push({ role: "user", content });
      else if ((message.status === "done" || message.status === "stopped") && content.trim()) turns.push({ role: "assistant", content });
    }
    return turns.slice(-maxHistoryTurns);
  }

  async #answer(): Promise<void> {
    const options = this.#options;
    const message: ChatMessage = { id: newId(), role: "assistant", content: "", status: "streaming" };
    const history = this.#history();
    this.#messages.push(message);
    let element = this.#messageElement(message);
    this.#log.append(element);
    this.#scrollToEnd();

    const controller = new AbortController();
    this.#abort = controller;
    this.#setBusy(true);
    let finish!: () => void;
    this.#answering = new Promise((resolve) => (finish = resolve));
    try {
      const events = streamChat({
        url: `${options.api}/v1/chat`,
        key: options.key,
        body: { messages: history, ...(options.topK ? { top_k: options.topK } : {}), ...(options.filter !== undefined ? { filter: options.filter } : {}) },
        signal: controller.signal,
      });
      for await (const event of events) {
        if (event.type === "sources") message.sources = event.sources;
        else if (event.type === "delta") {
          message.content += event.text;
          this.#scheduleStreamRender(message, element);
        } else {
          message.status = "done";
          // A decline: the widget's own, localised sentence, and no sources.
          if (!event.grounded) {
            message.content = this.#strings.notFound;
            message.sources = [];
          }
        }
      }
    } catch (error) {
      if (controller.signal.aborted) message.status = "stopped";
      else {
        message.status = "error";
        message.error =
          error instanceof ChatStreamError
            ? { code: error.code, message: error.message, ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}) }
            : { code: "INTERNAL", message: String(error) };
      }
    } finally {
      cancelAnimationFrame(this.#frame);
      this.#frame = 0;
      this.#abort = undefined;
      const hadFocus = this.#root.activeElement === this.#stop;
      this.#setBusy(false);
      if (this.#connected) {
        // The finished message replaces the hidden streaming one: one announcement per answer.
        const finished = this.#messageElement(message);
        element.replaceWith(finished);
        element = finished;
        this.#scrollToEnd();
        if (hadFocus) this.#input.focus();
      }
      this.#save();
      if (message.status === "done") this.#emit("rag-chat:message", { id: message.id, role: "assistant", content: message.content, sources: message.sources ?? [] });
      if (this.#stale && this.#connected) {
        this.#stale = false;
        this.#configure();
        this.#render();
      }
      finish();
    }
  }

  #setBusy(busy: boolean): void {
    this.#send.hidden = busy;
    this.#stop.hidden = !busy;
    this.#log.setAttribute("aria-busy", String(busy));
    this.#status.textContent = busy ? this.#strings.answering : "";
  }

  #scheduleStreamRender(message: ChatMessage, element: HTMLElement): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      const nearEnd = this.#log.scrollHeight - this.#log.scrollTop - this.#log.clientHeight < 80;
      const bubble = element.querySelector(".bubble")!;
      bubble.replaceChildren(this.#renderAnswer(message), h("span", { class: "typing" }));
      if (nearEnd) this.#scrollToEnd();
    });
  }

  #renderAnswer(message: ChatMessage): DocumentFragment {
    const sources = new Map((message.sources ?? []).map((source) => [source.n, source]));
    return sanitizeHtml(
      renderMarkdown(message.content, {
        citations: new Set(sources.keys()),
        citationLabel: (n) => format(this.#strings.source, { n, title: sources.get(n)?.title || this.#strings.untitled }),
      }),
    );
  }

  #messageElement(message: ChatMessage): HTMLElement {
    const s = this.#strings;
    const base = { "data-testid": "rag-chat-message", "data-role": message.role, "data-status": message.status, "data-id": message.id };
    if (message.role === "user") {
      return h("div", { ...base, class: "msg user", part: "message user-message" }, h("span", { class: "sr-only" }, s.you), h("div", { class: "bubble" }, message.content));
    }
    if (message.status === "streaming") {
      // Hidden from assistive technology (and unfocusable) until complete.
      return h(
        "div",
        { ...base, class: "msg assistant", part: "message assistant-message", "aria-hidden": "true", inert: true },
        h("div", { class: "bubble" }, h("span", { class: "typing" }, s.answering)),
      );
    }
    const element = h("div", { ...base, class: `msg assistant${message.status === "error" ? " error" : ""}`, part: "message assistant-message" }, h("span", { class: "sr-only" }, s.assistant));
    if (message.content.trim()) {
      const bubble = h("div", { class: "bubble" }, this.#renderAnswer(message));
      bubble.addEventListener("click", (event) => {
        const citation = (event.target as Element).closest<HTMLElement>("button.cite");
        if (citation) this.#showSource(element, Number(citation.dataset.cite));
      });
      element.append(bubble);
      const sources = this.#sourcesElement(message);
      if (sources) element.append(sources);
    }
    if (message.status === "stopped") element.append(h("p", { class: "note" }, s.stopped));
    if (message.status === "error") element.append(this.#errorElement(message));
    if (message.status === "done" && message.content.trim()) element.append(this.#feedbackElement(message));
    return element;
  }

  #sourcesElement(message: ChatMessage): HTMLElement | undefined {
    const s = this.#strings;
    const cited = citedNumbers(message.content);
    const sources = (message.sources ?? []).filter((source) => cited.has(source.n)).sort((a, b) => a.n - b.n);
    if (sources.length === 0) return undefined;
    return h(
      "details",
      { class: "sources", part: "sources" },
      h("summary", {}, format(s.sources, { count: sources.length })),
      h(
        "ol",
        {},
        ...sources.map((source) => {
          const title = source.title || s.untitled;
          const url = source.source_url && isSafeUrl(source.source_url) ? source.source_url : undefined;
          // The heading path starts with the document's title, shown already.
          const heading = source.heading?.startsWith(`${source.title} > `) ? source.heading.slice(source.title.length + 3) : source.heading === source.title ? "" : source.heading;
          return h(
            "li",
            { class: "source", part: "source", "data-source": source.n, "data-document-id": source.document_id, tabindex: -1 },
            h("span", { class: "source-number" }, `[${source.n}]`),
            url ? h("a", { class: "source-title", href: url, target: "_blank", rel: "noopener noreferrer" }, title) : h("span", { class: "source-title" }, title),
            heading && h("div", { class: "host" }, heading),
            // The API's plain-text snippet with the question's words marked; else the start of the raw passage.
            h("p", {}, snippetNodes(source.snippet ?? (source.text.length > 220 ? `${source.text.slice(0, 220).trimEnd()}…` : source.text), source.snippet && source.snippet_highlights)),
            url && h("div", { class: "host" }, new URL(url).host),
          );
        }),
      ),
    );
  }

  #showSource(element: HTMLElement, n: number): void {
    const details = element.querySelector("details");
    const card = element.querySelector<HTMLElement>(`li[data-source="${n}"]`);
    if (!details || !card) return;
    details.open = true;
    for (const other of element.querySelectorAll(".source.flash")) other.classList.remove("flash");
    card.classList.add("flash");
    card.focus({ preventScroll: true });
    // Scroll the log only: scrollIntoView could scroll the host page too.
    const cardBox = card.getBoundingClientRect();
    const logBox = this.#log.getBoundingClientRect();
    if (cardBox.bottom > logBox.bottom) this.#log.scrollTop += Math.min(cardBox.bottom - logBox.bottom + 8, cardBox.top - logBox.top - 8);
    else if (cardBox.top < logBox.top) this.#log.scrollTop -= logBox.top - cardBox.top + 8;
  }

  #errorElement(message: ChatMessage): HTMLElement {
    const s = this.#strings;
    const error = message.error ?? { code: "INTERNAL", message: "" };
    const seconds = error.retryAfterSeconds;
    let text: string;
    switch (error.code) {
      case "NETWORK":
        text = s.errorNetwork;
        break;
      case "RATE_LIMITED":
        text = seconds ? format(s.errorRateLimitedSeconds, { seconds }) : s.errorRateLimited;
        break;
      case "UNAUTHORIZED":
      case "FORBIDDEN":
        text = s.errorUnauthorized;
        break;
      case "INCOMPLETE":
        text = s.errorInterrupted;
        break;
      default:
        text = format(s.errorGeneric, { message: error.message || error.code });
    }
    const retry = h("button", { type: "button", class: "retry", part: "retry", onclick: () => void this.#retry(message) }, s.retry);
    if (seconds) {
      retry.disabled = true;
      setTimeout(() => (retry.disabled = false), Math.min(seconds, 120) * 1000);
    }
    return h("div", { class: "bubble", part: "error" }, h("p", { class: "error-text" }, text), retry);
  }

  async #retry(failed: ChatMessage): Promise<void> {
    if (this.#abort) return;
    const index = this.#messages.indexOf(failed);
    if (index === -1) return;
    this.#messages.splice(index, 1);
    this.#log.querySelector(`[data-id="${failed.id}"]`)?.remove();
    this.#input.focus();
    await this.#answer();
  }

  #feedbackElement(message: ChatMessage): HTMLElement {
    const s = this.#strings;
    const note = h("span", { class: "note", role: "status" });
    const button = (rating: "up" | "down") =>
      h(
        "button",
        {
          type: "button",
          "aria-label": rating === "up" ? s.helpful : s.notHelpful,
          title: rating === "up" ? s.helpful : s.notHelpful,
          "aria-pressed": String(message.rating === rating),
          onclick: () => void this.#rate(message, rating, buttons, note),
        },
        icon(rating),
      );
    const buttons = [button("up"), button("down")];
    return h("div", { class: "feedback", part: "feedback" }, ...buttons, note);
  }

  async #rate(message: ChatMessage, rating: "up" | "down", buttons: HTMLButtonElement[], note: HTMLElement): Promise<void> {
    message.rating = rating;
    buttons.forEach((button, index) => button.setAttribute("aria-pressed", String((index === 0 ? "up" : "down") === rating)));
    this.#save();
    const index = this.#messages.indexOf(message);
    const question = [...this.#messages.slice(0, index)].reverse().find((previous) => previous.role === "user")?.content ?? "";
    try {
      await sendFeedback({
        url: `${this.#options.api}/v1/feedback`,
        key: this.#options.key,
        messageId: message.id,
        rating,
        question,
        answer: message.content,
        sources: message.sources ?? [],
      });
      note.textContent = this.#strings.thanks;
    } catch {
      note.textContent = this.#strings.feedbackFailed;
    }
  }

  #scrollToEnd(): void {
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  #save(): void {
    this.#store.save(this.#messages);
  }

  #emit(type: string, detail?: MessageEventDetail): void {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
  }
}
