// <neuroai-study study="replay" state="alpha=0.3&seed=2" controls="false" text="false">: one case
// study's live panel inline in a page of yours, served from the same site as the playground
// (a Worker must come from the page's own origin; from another site, use embed.html in an iframe).
// Its knobs live in the `state` attribute, not in your page's URL. Events bubble from the element
// as `neuroai` CustomEvents with detail {type, study, ...}: ready, training-started,
// training-stopped, milestone.
import { createStore } from './lib/hash-state.js';
import { EMBEDS, mountStudy } from './embed/registry.js';

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
    } catch (error) {
      const p = document.createElement('p');
      p.className = 'error';
      p.setAttribute('role', 'alert');
      p.textContent = `<neuroai-study>: ${error.message}`;
      this.replaceChildren(p);
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

  release() {
    this.panel?.dispose();
    this.panel = null;
  }
}

if (!customElements.get('neuroai-study')) customElements.define('neuroai-study', NeuroAIStudy);
export { EMBEDS };
