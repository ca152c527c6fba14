// The site's pages in one list: the header navigation and the landing page's cards both read it.
// A case study sets built: true when its page lands; until then it is named but not linked.
import { h } from './dom.js';

export const PAGES = [
  { id: 'prednet', title: 'Predictive coding', short: 'PredNet', href: 'prednet.html', built: true },
  { id: 'replay', title: 'Hippocampal replay', short: 'Replay', href: 'replay.html', built: true },
  { id: 'vit', title: 'Attention', short: 'Attention', href: 'vit.html', built: true },
  { id: 'lfads', title: 'Latent dynamics', short: 'LFADS', href: 'lfads.html', built: true },
  { id: 'episodic', title: 'Episodic memory', short: 'Episodic', href: 'episodic.html', built: true },
  { id: 'glossary', title: 'Glossary', short: 'Glossary', href: 'glossary.html', built: true },
  { id: 'teach', title: 'For instructors', short: 'Teach', href: 'teach.html', built: true },
];

/** Fills <nav id="site-nav"> with links to the built pages; `current` is the page's id. */
export function renderNav(current) {
  const nav = document.getElementById('site-nav');
  if (!nav) return;
  const items = [{ id: 'home', short: 'Home', href: 'index.html', built: true }, ...PAGES].filter((p) => p.built);
  nav.replaceChildren(h('ul', {}, items.map((p) =>
    h('li', {}, h('a', { href: p.href, 'aria-current': p.id === current ? 'page' : null }, p.short)))));
}

/** On the landing page: links each card (li[data-study]) whose page is built. */
export function linkStudyCards() {
  for (const page of PAGES) {
    const card = document.querySelector(`.study-card[data-study="${page.id}"]`);
    if (!card || !page.built) continue;
    const title = card.querySelector('h3');
    title.replaceChildren(h('a', { href: page.href }, title.textContent));
    card.querySelector('.availability')?.replaceChildren(h('a', { href: page.href }, 'Open the case study →'));
    card.classList.add('built');
  }
}
