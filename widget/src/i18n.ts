/**
 * The widget's user-facing strings. English and German are built in; a page
 * picks one with `data-lang` (default: the page's `<html lang>`) and may
 * override any string with `data-strings` (a JSON object). `{name}`
 * placeholders are filled by `format`.
 */

export const englishStrings = {
  title: "Ask our docs",
  welcome: "Hi! Ask me anything about this site. Answers cite their sources.",
  open: "Open chat",
  close: "Close chat",
  newChat: "New chat",
  conversation: "Conversation",
  suggestions: "Suggested questions",
  inputLabel: "Your question",
  placeholder: "Ask a question…",
  send: "Send",
  stop: "Stop answering",
  you: "You:",
  assistant: "Assistant:",
  answering: "Answering…",
  stopped: "Answer stopped.",
  sources: "Sources ({count})",
  source: "Source {n}: {title}",
  untitled: "Untitled document",
  helpful: "Helpful",
  notHelpful: "Not helpful",
  thanks: "Thanks for your feedback.",
  feedbackFailed: "Your feedback could not be sent.",
  retry: "Retry",
  errorNetwork: "The assistant could not be reached. Check your connection and try again.",
  errorRateLimited: "Too many questions right now. Try again in a moment.",
  errorRateLimitedSeconds: "Too many questions right now. Try again in {seconds} seconds.",
  errorUnauthorized: "This chat is not set up correctly (the key was refused).",
  errorInterrupted: "The answer was interrupted.",
  errorGeneric: "Something went wrong: {message}",
  disclaimer: "Answers are generated from this site's documents and can be wrong. Check the sources.",
  notFound: "I couldn't find this in the documents.",
};

export type Strings = typeof englishStrings;
export type StringKey = keyof Strings;

const germanStrings: Strings = {
  title: "Fragen Sie unsere Dokumentation",
  welcome: "Hallo! Fragen Sie mich alles zu dieser Website. Antworten nennen ihre Quellen.",
  open: "Chat öffnen",
  close: "Chat schließen",
  newChat: "Neuer Chat",
  conversation: "Unterhaltung",
  suggestions: "Vorgeschlagene Fragen",
  inputLabel: "Ihre Frage",
  placeholder: "Stellen Sie eine Frage…",
  send: "Senden",
  stop: "Antwort abbrechen",
  you: "Sie:",
  assistant: "Assistent:",
  answering: "Antwort wird erstellt…",
  stopped: "Antwort abgebrochen.",
  sources: "Quellen ({count})",
  source: "Quelle {n}: {title}",
  untitled: "Dokument ohne Titel",
  helpful: "Hilfreich",
  notHelpful: "Nicht hilfreich",
  thanks: "Danke für Ihr Feedback.",
  feedbackFailed: "Ihr Feedback konnte nicht gesendet werden.",
  retry: "Erneut versuchen",
  errorNetwork: "Der Assistent ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
  errorRateLimited: "Gerade kommen zu viele Fragen an. Versuchen Sie es gleich noch einmal.",
  errorRateLimitedSeconds: "Gerade kommen zu viele Fragen an. Versuchen Sie es in {seconds} Sekunden erneut.",
  errorUnauthorized: "Dieser Chat ist nicht richtig eingerichtet (der Schlüssel wurde abgelehnt).",
  errorInterrupted: "Die Antwort wurde unterbrochen.",
  errorGeneric: "Etwas ist schiefgegangen: {message}",
  disclaimer: "Antworten werden aus den Dokumenten dieser Website erzeugt und können falsch sein. Prüfen Sie die Quellen.",
  notFound: "Das konnte ich in den Dokumenten nicht finden.",
};

const builtIn: Record<string, Strings> = { en: englishStrings, de: germanStrings };

/** The strings for `lang` (a BCP 47 tag; its primary subtag picks the table), with `overrides` on top. */
export function resolveStrings(lang: string | undefined, overrides: Partial<Record<string, unknown>> = {}): Strings {
  const primary = (lang ?? "").toLowerCase().split(/[-_]/)[0] ?? "";
  const strings: Strings = { ...(builtIn[primary] ?? englishStrings) };
  for (const key of Object.keys(strings) as StringKey[]) {
    const value = overrides[key];
    if (typeof value === "string" && value.trim() !== "") strings[key] = value;
  }
  return strings;
}

/** Fills `{name}` placeholders. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}
