// The studies that can be embedded (embed.html and <neuroai-study>): each loader resolves to a
// module exporting `title`, `schema` and `mount(host, store)`, which builds the study's live panel
// in `host` and returns an EventTarget that fires 'ready', 'training' {running} and 'milestone'
// {text}. Only studies whose pages exist are listed.
export const EMBEDS = {
  spiral: () => import('../studies/spiral-embed.js'),
  replay: () => import('../studies/replay/embed.js'),
  episodic: () => import('../studies/episodic/embed.js'),
  lfads: () => import('../studies/lfads/embed.js'),
};

export const EVENT_SOURCE = 'neuroai-playground';

/**
 * Mounts study `name` into `host` with the given store, forwarding the panel's events to
 * `emit(type, detail)`. Flags: controls (show buttons and knobs), text (show captions).
 */
export async function mountStudy(name, host, makeStore, { controls = true, text = true, emit = () => {} } = {}) {
  if (!Object.hasOwn(EMBEDS, name))
    throw new Error(`unknown study '${name}' (expected one of: ${Object.keys(EMBEDS).join(', ')})`);
  const module = await EMBEDS[name]();
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
