// <neuroai-study study="replay" state="alpha=0.3&seed=2" controls="false" text="false">: one case
// study's live panel inline in a page of yours, on the playground's origin or another: loaded from
// another origin, its workers start from blobs of your page's origin that import the playground's
// (engine/module-worker.js), which your page's CSP must allow (docs/embedding.md names it); where it
// does not, the element says why and offers the iframe (embed.html), which needs nothing of your page.
// Its knobs live in the `state` attribute, not in your page's URL. Events bubble from the element
// as `neuroai` CustomEvents with detail {type, study, ...}: ready, training-started,
// training-stopped, milestone.
import { createStore } from './lib/hash-state.js';
import { hostPolicy } from './embed/host-policy.js';
import { EMBEDS, mountStudy } from './embed/registry.js';

const PLAYGROUND = new URL('../', import.meta.url);  // the site this element comes from

class NeuroAIStudy extends HTMLElement {
  static get observedAttributes() { return ['study']; }

  async connectedCallback() {
    if (this.loading || this.panel) return;  // still there after a move (see disconnectedCallback)
    this.loading = true;
    const name = this.getAttribute('study') ?? '';
    const host = document.createElement('div');
    this.replaceChildren(host);
    const bool = (attr) => !['false', '0', 'no'].includes((this.getAttribute(attr) ?? 'true').toLowerCase());
    const emit = (type, detail) => this.dispatchEvent(new CustomEvent('neuroai', { bubbles: true, detail: { type, ...detail } }));
    try {
      const { store, panel } = await mountStudy(name, host,
        (schema) => createStore(schema, { text: this.getAttribute('state') ?? '', save: (text) => this.setAttribute('state', text) }),
        { controls: bool('controls'), text: bool('text'), emit });
      this.store = store;
      this.panel = panel;
      // A worker that cannot start (from another origin: the host page's CSP) fails before it is ready.
      const trainer = panel.trainer;
      trainer?.addEventListener('error', (e) => { if (!trainer.ready) this.failed(name, e.detail?.message ?? 'the worker failed to start'); });
    } catch (error) {
      this.failed(name, error.message);
    } finally {
      this.loading = false;
    }
    if (!this.isConnected) this.release();  // removed while it loaded
  }

  // A removed element ends its study (its worker and training); one moved elsewhere in the page
  // (removed and put back by the same script) keeps it. Put back later, it starts again from `state`.
  disconnectedCallback() {
    queueMicrotask(() => { if (!this.isConnected) this.release(); });
  }

  /** Says what went wrong; from another origin, offers the same study in an iframe of the playground. */
  failed(name, message) {
    const p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.textContent = `<neuroai-study>: ${message}`;
    const parts = [p];
    if (PLAYGROUND.origin !== location.origin) {
      this.release();
      p.textContent += `. Loaded from ${PLAYGROUND.origin}, the study runs workers that this page's Content-Security-Policy ` +
        `must allow: ${hostPolicy(PLAYGROUND.origin)}. In an iframe it needs nothing of this page.`;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Show it in an iframe';
      button.addEventListener('click', () => {
        const frame = document.createElement('iframe');
        const src = new URL('embed.html', PLAYGROUND);
        src.searchParams.set('study', name);
        src.searchParams.set('origin', location.origin);
        src.hash = this.getAttribute('state') ?? '';
        Object.assign(frame, { src: src.href, title: `NeuroAI Playground: ${name}`, width: 720, height: 720 });
        frame.style.maxWidth = '100%';
        this.replaceChildren(frame);
      });
      parts.push(button);
    }
    this.replaceChildren(...parts);
  }

  release() {
    this.panel?.dispose();
    this.panel = null;
  }
}

if (!customElements.get('neuroai-study')) customElements.define('neuroai-study', NeuroAIStudy);
export { EMBEDS };
