// Class probabilities as labelled bars; with lesions, a marker shows the intact model's value.
import { h } from '../../lib/dom.js';

export class ProbBars {
  constructor(host, classNames) {
    this.classNames = classNames;
    this.rows = classNames.map((name) => {
      const label = h('span', { class: 'vit-bar-name' }, name);
      const fill = h('span', { class: 'vit-bar-fill' });
      const ghost = h('span', { class: 'vit-bar-ghost', hidden: true });
      const value = h('span', { class: 'vit-bar-value' }, '–');
      const row = h('li', { class: 'vit-bar' }, label, h('span', { class: 'vit-bar-track', 'aria-hidden': 'true' }, fill, ghost), value);
      return { row, label, name, fill, ghost, value };
    });
    this.verdict = h('p', { class: 'vit-verdict', 'aria-live': 'polite' });
    host.replaceChildren(h('ol', { class: 'vit-bars', 'aria-label': 'Class probabilities' }, this.rows.map((r) => r.row)), this.verdict);
  }

  /** probs (K); intact (K) or null when no head is lesioned; label: the true class or -1. */
  update(probs, intact, label) {
    const pct = (p) => `${(100 * p).toFixed(1)}%`;
    let best = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
    this.rows.forEach((r, k) => {
      r.fill.style.setProperty('width', pct(probs[k]));
      r.row.classList.toggle('top', k === best);
      r.row.classList.toggle('truth', k === label);
      r.label.textContent = k === label ? `${r.name} (true)` : r.name;
      r.ghost.hidden = !intact;
      if (intact) r.ghost.style.setProperty('left', pct(intact[k]));
      r.value.textContent = intact ? `${pct(probs[k])} (intact ${pct(intact[k])})` : pct(probs[k]);
    });
    let text = `The model says ${this.classNames[best]} (${pct(probs[best])})`;
    if (label >= 0) text += best === label ? ': right.' : `; the true class is ${this.classNames[label]}.`;
    else text += '.';
    if (intact) {
      let intactBest = 0;
      for (let k = 1; k < intact.length; k++) if (intact[k] > intact[intactBest]) intactBest = k;
      text += intactBest === best ? ' The lesions did not change the answer.'
        : ` Without the lesions it would say ${this.classNames[intactBest]}.`;
    }
    this.verdict.textContent = text;
  }
}
