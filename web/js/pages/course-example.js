// The example course page: logs the events that embedded studies send (postMessage from the
// iframes, `neuroai` DOM events from the inline element), as a course page of yours could.
import { h } from '../lib/dom.js';
import { renderNav } from '../lib/site.js';

renderNav('course');
const log = document.getElementById('event-log');
const events = [];
function record(origin, type, detail) {
  const text = `${origin}: ${type}${detail?.study ? ` (${detail.study})` : ''}${detail?.text ? `: ${detail.text}` : ''}`;
  events.push({ origin, type, detail });
  log.append(h('li', {}, text));
}
window.addEventListener('message', (e) => {
  if (e.origin !== location.origin || e.data?.source !== 'neuroai-playground') return;
  const frame = [...document.querySelectorAll('iframe')].find((f) => f.contentWindow === e.source);
  record(frame ? `iframe #${frame.id}` : 'iframe', e.data.type, e.data.detail);
});
document.addEventListener('neuroai', (e) => record(`element #${e.target.id}`, e.detail.type, e.detail));
window.neuroaiCourse = { events };
