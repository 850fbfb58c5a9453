/**
 * The search mode's own strings (English and German), beside the chat's in
 * i18n.ts: the same `data-lang` picks the table and the same `data-strings`
 * JSON overrides any of them.
 */

const english = {
  searchLabel: "Search the docs",
  searchPlaceholder: "Search the docs…",
  closeSearch: "Close search",
  results: "Results",
  resultCount: "{count} results",
  resultOne: "1 result",
  noResults: "No results for “{query}”.",
  searching: "Searching…",
  ask: "Ask the assistant: “{query}”",
  keyHint: "↑ ↓ move through the results, Enter opens one, Esc closes. Enter in the search field asks the assistant.",
  searchError: "The search failed: {message}",
  searchNetwork: "The search could not be reached. Check your connection and try again.",
  searchRateLimited: "Too many searches right now. Try again in {seconds} seconds.",
  searchRefused: "The search is not set up correctly (the key was refused).",
  untitledResult: "Untitled document",
};

export type SearchStrings = typeof english;

const german: SearchStrings = {
  searchLabel: "Dokumentation durchsuchen",
  searchPlaceholder: "Dokumentation durchsuchen…",
  closeSearch: "Suche schließen",
  results: "Ergebnisse",
  resultCount: "{count} Ergebnisse",
  resultOne: "1 Ergebnis",
  noResults: "Keine Ergebnisse für „{query}“.",
  searching: "Suche läuft…",
  ask: "Den Assistenten fragen: „{query}“",
  keyHint: "↑ ↓ wechseln zwischen den Ergebnissen, Enter öffnet eines, Esc schließt. Enter im Suchfeld fragt den Assistenten.",
  searchError: "Die Suche ist fehlgeschlagen: {message}",
  searchNetwork: "Die Suche ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
  searchRateLimited: "Gerade kommen zu viele Suchen an. Versuchen Sie es in {seconds} Sekunden erneut.",
  searchRefused: "Die Suche ist nicht richtig eingerichtet (der Schlüssel wurde abgelehnt).",
  untitledResult: "Dokument ohne Titel",
};

/** The table for `lang` (its primary subtag), with string values of `overrides` (the parsed `data-strings`) on top. */
export function resolveSearchStrings(lang: string, overrides: unknown): SearchStrings {
  const strings = { ...(lang.toLowerCase().split(/[-_]/)[0] === "de" ? german : english) };
  if (overrides && typeof overrides === "object") {
    for (const key of Object.keys(strings) as (keyof SearchStrings)[]) {
      const value = (overrides as Record<string, unknown>)[key];
      if (typeof value === "string" && value.trim() !== "") strings[key] = value;
    }
  }
  return strings;
}
