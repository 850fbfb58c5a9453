/** A tiny element factory: attributes, event listeners and children in one call. Text is always set as text. */

type AttributeValue = string | number | boolean | undefined | null | EventListener;
type Child = Node | string | false | null | undefined;

/**
 * `h("button", { class: "send", "aria-label": "Send", onclick: send }, icon("send"))`.
 * `true` sets an empty attribute; `false`, `null` and `undefined` skip it;
 * `on*` functions become event listeners.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, AttributeValue> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== false && child !== null && child !== undefined && child !== "") element.append(child);
  return element;
}
