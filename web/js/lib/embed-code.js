// "Embed this": the iframe and <neuroai-study> code for a study in its current state, with copy
// buttons. Both work on any site; the element, from another origin, needs the host page's CSP to
// allow what ../embed/host-policy.js lists.
import { hostPolicy } from '../embed/host-policy.js';
import { h } from './dom.js';

/**
 * The embed codes of `study` with the knobs `state` (a hash text), for the playground at `base`
 * (this site's root by default): {iframe (any site), element (any site; see hostPolicy)}.
 */
export function embedCodes(study, state, { base = new URL('.', location.href), height = 900 } = {}) {
  const iframe = `<iframe src="${new URL(`embed.html?study=${study}${state ? `#${state}` : ''}`, base)}" ` +
    `width="100%" height="${height}" style="border:0" title="NeuroAI Playground: ${study}" loading="lazy"></iframe>`;
  const element = `<script type="module" src="${new URL('js/neuroai-study.js', base)}"></script>\n` +
    `<neuroai-study study="${study}" state="${state}"></neuroai-study>`;
  return { iframe, element };
}

/** A read-only code box with its label and a Copy button. */
export function codeField(label, text, rows = 3) {
  const area = h('textarea', { readonly: true, rows, 'aria-label': label });
  area.value = text;
  const copy = h('button', { onclick: async () => {
    try {
      await navigator.clipboard.writeText(area.value);
      copy.textContent = 'Copied';
    } catch {
      area.select();
      copy.textContent = 'Press Ctrl+C to copy';
    }
    setTimeout(() => { copy.textContent = 'Copy'; }, 2000);
  } }, 'Copy');
  return h('div', { class: 'embed-field' }, h('label', {}, label), area, copy);
}

export function embedCodeButton(container, study, store, { height = 900 } = {}) {
  const dialog = h('div', { class: 'embed-code', hidden: true, role: 'region', 'aria-label': 'Embed code' });
  const button = h('button', { class: 'secondary', 'aria-expanded': 'false', onclick: () => toggle() }, 'Embed this…');
  container.append(button, dialog);

  function toggle() {
    const open = dialog.hidden;
    dialog.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) {
      const { iframe, element } = embedCodes(study, store.text(), { height });
      dialog.replaceChildren(
        h('p', {}, 'Paste into a course page. The link carries the current knobs and seed; events (ready, training started and stopped, milestones) reach your page as postMessage (iframe) or a "neuroai" DOM event (element).'),
        h('p', {}, 'The iframe posts its events to whichever page embeds it. To send them only to your course site, add its origin to the link: ',
          h('code', {}, 'embed.html?study=…&origin=https://course.example'), '.'),
        codeField('iframe (any site)', iframe),
        codeField('custom element (any site)', element),
        h('p', {}, 'A course page with a Content-Security-Policy must allow the element: ', h('code', {}, hostPolicy(location.origin)),
          '. Where it does not, the element offers the iframe.'));
    }
  }
  return button;
}
