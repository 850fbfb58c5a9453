/** Inline SVG icons (24×24, stroked with currentColor), decorative: screen readers skip them. */

const paths = {
  chat: '<path d="M21 11.5a8.4 8.4 0 0 1-12.3 7.4L3 20.5l1.6-5.2A8.4 8.4 0 1 1 21 11.5z"/>',
  close: '<path d="M6 6l12 12M18 6 6 18"/>',
  plus: '<path d="M12 5v14M5 12h14"/>',
  send: '<path d="M5 12h14M13 6l6 6-6 6"/>',
  stop: '<rect x="7" y="7" width="10" height="10" rx="1.5" fill="currentColor"/>',
  up: '<path d="M7 10v10H4V10zM7 10l4-7c1.2 0 2 .9 2 2v4h5.4a2 2 0 0 1 2 2.4l-1.3 6.9a2 2 0 0 1-2 1.7H7"/>',
  down: '<path d="M7 14V4H4v10zM7 14l4 7c1.2 0 2-.9 2-2v-4h5.4a2 2 0 0 0 2-2.4l-1.3-6.9a2 2 0 0 0-2-1.7H7"/>',
};

export type IconName = keyof typeof paths;

const svgNamespace = "http://www.w3.org/2000/svg";

export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(svgNamespace, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  // Constant markup from this module, never user input.
  svg.innerHTML = paths[name];
  return svg;
}
