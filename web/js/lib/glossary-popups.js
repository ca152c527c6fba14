// Glossary popups: any <a class="term" data-term="id" href="glossary.html#id"> shows the term's
// two meanings on hover and on keyboard focus (Escape hides it). Without this script the link
// still leads to the glossary entry.
import { TERMS } from '../glossary/terms.js';
import { h } from './dom.js';

const byId = new Map(TERMS.map((t) => [t.id, t]));
let tip = null;

function tooltip() {
  if (!tip) {
    tip = h('div', { class: 'term-tip', role: 'tooltip', id: 'term-tip', hidden: true });
    document.body.append(tip);
  }
  return tip;
}

function show(anchor) {
  const term = byId.get(anchor.dataset.term);
  if (!term) return;
  const t = tooltip();
  t.replaceChildren(h('strong', {}, term.term),
    h('p', {}, h('span', { class: 'tag brain' }, 'Brain'), ' ', term.neuro),
    h('p', {}, h('span', { class: 'tag ai' }, 'AI'), ' ', term.ai));
  t.hidden = false;
  anchor.setAttribute('aria-describedby', 'term-tip');
  const r = anchor.getBoundingClientRect();
  const width = Math.min(360, window.innerWidth - 16);
  t.style.width = `${width}px`;
  t.style.left = `${Math.max(8, Math.min(window.innerWidth - width - 8, r.left + window.scrollX))}px`;
  t.style.top = `${r.bottom + window.scrollY + 6}px`;
}

function hide(anchor) {
  if (tip) tip.hidden = true;
  anchor?.removeAttribute('aria-describedby');
}

/** Wires every glossary term link in `root`. */
export function enableGlossaryPopups(root = document) {
  for (const a of root.querySelectorAll('a.term[data-term]')) {
    a.addEventListener('mouseenter', () => show(a));
    a.addEventListener('mouseleave', () => hide(a));
    a.addEventListener('focus', () => show(a));
    a.addEventListener('blur', () => hide(a));
    a.addEventListener('keydown', (e) => { if (e.key === 'Escape') hide(a); });
  }
}
