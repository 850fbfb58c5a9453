/**
 * The widget's options, read from `data-*` attributes: on the script tag
 * (copied to the auto-inserted element) or on a `<rag-chat>` the page places
 * itself. Invalid values fall back to defaults instead of breaking the page.
 */
import { resolveStrings, type Strings } from "./i18n.js";

export type Theme = "light" | "dark" | "auto";
export type Position = "bottom-right" | "bottom-left";
export type StorageKind = "session" | "local" | "none";
export type DisplayMode = "launcher" | "inline";

export interface WidgetOptions {
  /** API origin (and optional path prefix), without a trailing slash. */
  api: string;
  /** Sent as `Authorization: Bearer <key>`; opaque to the widget. */
  key: string;
  strings: Strings;
  lang: string;
  suggestions: string[];
  accent: string | undefined;
  position: Position;
  theme: Theme;
  storage: StorageKind;
  mode: DisplayMode;
  /** Metadata filter passed to /v1/chat (JSON in `data-filter`). */
  filter: unknown;
  /** Sources per answer (`data-top-k`, 1–20). */
  topK: number | undefined;
}

/** Attributes the element watches; changing one re-renders it. */
export const optionAttributes = [
  "data-api",
  "data-key",
  "data-title",
  "data-welcome",
  "data-suggestions",
  "data-accent",
  "data-position",
  "data-theme",
  "data-lang",
  "data-strings",
  "data-storage",
  "data-mode",
  "data-filter",
  "data-top-k",
];

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function parseJson(value: string | undefined): unknown {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    console.warn("rag-chat: ignoring invalid JSON in a data-* attribute");
    return undefined;
  }
}

/**
 * Reads the options of `element`. `defaults.api` is where the widget script
 * came from (the worker that serves it also serves the API); `defaults.mode`
 * is "launcher" for the auto-inserted element, "inline" for one the page places.
 */
export function readOptions(element: HTMLElement, defaults: { api: string; mode: DisplayMode }): WidgetOptions {
  const data = element.dataset;
  const lang = data.lang || element.ownerDocument.documentElement.lang || "en";
  const overrides = parseJson(data.strings);
  const strings = resolveStrings(lang, overrides && typeof overrides === "object" ? (overrides as Record<string, unknown>) : {});
  if (data.title) strings.title = data.title;
  if (data.welcome) strings.welcome = data.welcome;
  const topK = Number(data.topK);
  return {
    api: (data.api || defaults.api).replace(/\/+$/, ""),
    key: data.key ?? "",
    strings,
    lang,
    suggestions: (data.suggestions ?? "")
      .split("|")
      .map((question) => question.trim())
      .filter(Boolean)
      .slice(0, 6),
    accent: data.accent && CSS.supports("color", data.accent) ? data.accent : undefined,
    position: oneOf(data.position, ["bottom-right", "bottom-left"] as const, "bottom-right"),
    theme: oneOf(data.theme, ["light", "dark", "auto"] as const, "auto"),
    storage: oneOf(data.storage, ["session", "local", "none"] as const, "session"),
    // "page" is an inline panel laid out full-page; "search" keeps the default (the chat beside the search box).
    mode: data.mode === "page" ? "inline" : oneOf(data.mode, ["launcher", "inline"] as const, defaults.mode),
    filter: parseJson(data.filter),
    topK: Number.isInteger(topK) && topK >= 1 && topK <= 20 ? topK : undefined,
  };
}
