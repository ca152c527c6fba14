// The glossary page: every term with both meanings and links to the views; filtered as you type
// (the filter lives in the URL hash too, so a link can point at a search).
import { TERMS } from '../glossary/terms.js';
import { h } from '../lib/dom.js';
import { registerOffline } from '../lib/offline.js';
import { renderNav } from '../lib/site.js';

renderNav('glossary');
registerOffline();
const list = document.getElementById('glossary-list');
const input = document.getElementById('glossary-filter');
const count = document.getElementById('glossary-count');

const entries = [...TERMS].sort((a, b) => a.term.localeCompare(b.term)).map((t) => {
  const dt = h('dt', { id: t.id }, h('a', { href: `#${t.id}`, class: 'anchor', 'aria-label': `Link to ${t.term}` }, '#'), ' ', t.term);
  const dd = h('dd', {},
    h('p', {}, h('span', { class: 'tag brain' }, 'Brain'), ' ', t.neuro),
    h('p', {}, h('span', { class: 'tag ai' }, 'AI'), ' ', t.ai),
    h('p', { class: 'see' }, 'See: ', t.see.flatMap(([href, label], i) => [i ? ' · ' : '', h('a', { href }, label)])));
  return { t, dt, dd, text: `${t.term} ${t.neuro} ${t.ai}`.toLowerCase() };
});
list.replaceChildren(...entries.flatMap((e) => [e.dt, e.dd]));

function filter() {
  const q = input.value.trim().toLowerCase();
  let shown = 0;
  for (const e of entries) {
    const match = !q || e.text.includes(q);
    e.dt.hidden = e.dd.hidden = !match;
    shown += match;
  }
  count.textContent = q ? `${shown} of ${entries.length} terms match "${input.value.trim()}"` : `${entries.length} terms`;
}

// ?q= or #q= prefills the search; #term-id scrolls to a term (the browser does that itself).
const params = new URLSearchParams(location.search || location.hash.replace(/^#/, ''));
if (params.get('q')) input.value = params.get('q').slice(0, 80);
input.addEventListener('input', filter);
filter();
