// The studies that can be embedded (embed.html and <neuroai-study>): each loader resolves to a
// module exporting `title`, `schema`, optionally `styles` (its stylesheets, relative to the site
// root) and `mount(host, store)`, which builds the study's live panel in `host` and returns an
// EventTarget that fires 'ready', 'training' {running} and 'milestone' {text} and has dispose()
// (ends its workers when the panel goes). Only studies whose pages exist are listed.
export const EMBEDS = {
  spiral: () => import('../studies/spiral/embed.js'),
  prednet: () => import('../studies/prednet/embed.js'),
  vit: () => import('../studies/vit/embed.js'),
  replay: () => import('../studies/replay/embed.js'),
  episodic: () => import('../studies/episodic/embed.js'),
  lfads: () => import('../studies/lfads/embed.js'),
};

export const EVENT_SOURCE = 'neuroai-playground';

const SITE_ROOT = new URL('../../', import.meta.url);
export const BASE_STYLES = ['vendor/uPlot.min.css', 'vendor/lil-gui.css', 'css/site.css'];

/** Adds <link rel=stylesheet> for each path (relative to the site root) the document lacks. */
export function ensureStyles(paths) {
  for (const p of paths) {
    const href = new URL(p, SITE_ROOT).href;
    if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) continue;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    document.head.append(link);
  }
}

/**
 * Mounts study `name` into `host` with the given store, forwarding the panel's events to
 * `emit(type, detail)`. Flags: controls (show buttons and knobs), text (show captions).
 */
export async function mountStudy(name, host, makeStore, { controls = true, text = true, emit = () => {} } = {}) {
  if (!Object.hasOwn(EMBEDS, name))
    throw new Error(`unknown study '${name}' (expected one of: ${Object.keys(EMBEDS).join(', ')})`);
  const module = await EMBEDS[name]();
  ensureStyles([...BASE_STYLES, ...(module.styles ?? [])]);
  const store = makeStore(module.schema);
  host.classList.add('embedded');
  host.classList.toggle('no-controls', !controls);
  host.classList.toggle('no-text', !text);
  const panel = module.mount(host, store);
  panel.addEventListener('ready', () => emit('ready', { study: name, title: module.title }));
  let running = false;  // report transitions only (the worker also confirms 'not running' at start)
  panel.addEventListener('training', (e) => {
    if (e.detail.running === running) return;
    running = e.detail.running;
    emit(running ? 'training-started' : 'training-stopped', { study: name });
  });
  panel.addEventListener('milestone', (e) => emit('milestone', { study: name, ...e.detail }));
  return { panel, store, title: module.title };
}
