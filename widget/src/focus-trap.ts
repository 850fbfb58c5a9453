/** Tab and Shift+Tab cycle through the focusable controls of a modal `container` (inside shadow root `root`). */
export function trapTab(event: KeyboardEvent, container: HTMLElement, root: ShadowRoot): void {
  const focusable = [...container.querySelectorAll<HTMLElement>("button, input, textarea, a[href], summary, [tabindex]:not([tabindex='-1'])")].filter(
    (element) => !(element as HTMLButtonElement).disabled && element.getClientRects().length > 0 && !element.closest("[inert]"),
  );
  if (focusable.length === 0) return;
  const first = focusable[0]!;
  const last = focusable[focusable.length - 1]!;
  const active = root.activeElement;
  if (event.shiftKey ? active === first || !focusable.includes(active as HTMLElement) : active === last) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}
