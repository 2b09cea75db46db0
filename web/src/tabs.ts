/**
 * The modes as ARIA tabs: one tab stop, arrow keys (and Home, End) move between tabs, and the URL's hash
 * (#detect, #crops, #verify) names the open one so it can be linked and survives a reload.
 */

export function mountTabs(tablist: HTMLElement): void {
  const tabs = Array.from(tablist.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
  const panelOf = (tab: HTMLElement) => document.getElementById(tab.getAttribute('aria-controls') ?? '');

  const select = (tab: HTMLButtonElement, focus: boolean) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      const panel = panelOf(other);
      if (panel) panel.hidden = !selected;
    }
    if (focus) tab.focus();
    const hash = `#${tab.dataset.mode ?? ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
  };

  for (const [i, tab] of tabs.entries()) {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (event) => {
      const last = tabs.length - 1;
      const target = {
        ArrowRight: i === last ? 0 : i + 1,
        ArrowLeft: i === 0 ? last : i - 1,
        Home: 0,
        End: last,
      }[event.key];
      const to = target === undefined ? undefined : tabs[target];
      if (!to) return;
      event.preventDefault();
      select(to, true);
    });
  }

  const fromHash = () => tabs.find((tab) => `#${tab.dataset.mode}` === location.hash);
  const initial = fromHash() ?? tabs[0];
  if (initial) select(initial, false);
  window.addEventListener('hashchange', () => {
    const tab = fromHash();
    if (tab) select(tab, false);
  });
}
