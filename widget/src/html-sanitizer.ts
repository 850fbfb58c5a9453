/**
 * Sanitises rendered answers with DOMPurify before they enter the DOM: only
 * the tags and attributes the Markdown renderer produces survive; links must
 * be absolute http(s) or mailto and always open in a new tab with
 * `rel="noopener noreferrer"`. Returns a fragment (no serialise/re-parse round
 * trip, which is where mutation XSS lives).
 */
import DOMPurify from "dompurify";

const allowedTags = ["p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "hr", "a", "button", "span"];
const allowedAttributes = ["href", "class", "type", "start", "data-cite", "data-testid", "aria-label"];

// The bundle has its own DOMPurify instance, so these hooks never touch a
// copy the host page may use.
const purify = DOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A") {
    // Absolute http(s) and mailto only: no relative, data: or script URLs.
    if (!/^(?:https?:\/\/|mailto:)/i.test(node.getAttribute("href") ?? "")) node.removeAttribute("href");
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  } else if (node.nodeName === "BUTTON") {
    node.setAttribute("type", "button");
  }
});

/** `html` as a sanitised fragment of the current document. */
export function sanitizeHtml(html: string): DocumentFragment {
  return purify.sanitize(html, {
    ALLOWED_TAGS: allowedTags,
    ALLOWED_ATTR: allowedAttributes,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    RETURN_DOM_FRAGMENT: true,
  });
}
