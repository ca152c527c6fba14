// Tiny DOM helpers: elements are built with textContent, never from HTML strings.

/** h('button', {class: 'primary', onclick}, 'Start') */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Formats a number with n significant digits ('–' when not finite). */
export const fmt = (x, digits = 3) => (Number.isFinite(x) ? Number(x).toPrecision(digits) : '–');
