/** Where the lazy modes put their element, and the options it gets from the script tag. */

/** The element `data-target` (a CSS selector) selects, if any; an invalid selector counts as none. */
export function targetOf(script: HTMLScriptElement, doc: Document): Element | null {
  const selector = script.dataset.target;
  if (!selector) return null;
  try {
    return doc.querySelector(selector);
  } catch {
    console.warn("rag-chat: ignoring an invalid data-target selector");
    return null;
  }
}

/** Copies the script's `data-*` options (all but `data-auto` and `data-target`) to `element`. */
export function copyOptions<T extends HTMLElement>(script: HTMLScriptElement, element: T): T {
  for (const attribute of Array.from(script.attributes)) {
    if (attribute.name.startsWith("data-") && attribute.name !== "data-auto" && attribute.name !== "data-target") element.setAttribute(attribute.name, attribute.value);
  }
  return element;
}
