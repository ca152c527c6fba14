// The instructors' page: each study's embed codes (iframe and element, for any site), the events
// a course page can listen to, and a one-page handout to print for a class.
import { hostPolicy } from '../embed/host-policy.js';
import { h } from '../lib/dom.js';
import { codeField, embedCodes } from '../lib/embed-code.js';
import { lectureLink } from '../lib/lecture.js';
import { registerOffline } from '../lib/offline.js';
import { renderNav } from '../lib/site.js';

// Each study: its page, what it shows, its milestone event (docs/embedding.md; the seconds are
// `node bench/milestones.mjs` from fresh weights on a 2-core machine) and a question for the class.
const STUDIES = [
  { id: 'spiral', title: 'Spirals: a small network learns', page: 'index.html', seconds: 1.4,
    lesson: 'A small network bends its input space until two interleaved spirals come apart.',
    milestone: 'its accuracy on the spirals reaches 95%',
    question: 'What changes with one hidden layer instead of two, or with fewer units?' },
  { id: 'prednet', title: 'Predictive coding: PredNet', page: 'prednet.html', seconds: 12,
    lesson: 'PredNet predicts the next frame of a video; only the prediction error travels up, as in predictive coding.',
    milestone: 'trained in the page, its held-out error is at most half of copying the last frame\'s and below linear extrapolation\'s',
    question: 'Inject a surprise: where and when does the error layer light up?' },
  { id: 'replay', title: 'Hippocampal replay: prioritized experience replay', page: 'replay.html', seconds: 16,
    lesson: 'An agent that replays its surprising transitions first learns sooner, as hippocampal replay favours surprise and reward.',
    milestone: 'an agent\'s mean return over 50 episodes of Catch reaches 0.9',
    question: 'What does the priority exponent alpha = 0 make of the prioritized agent?' },
  { id: 'vit', title: 'Attention: a Vision Transformer', page: 'vit.html', seconds: 4,
    lesson: 'A Vision Transformer looks at patches of an image and learns where to look.',
    milestone: 'trained in the page, its accuracy on held-out images reaches 80%',
    question: 'Silence one attention head: what does it cost, and which heads matter most?' },
  { id: 'episodic', title: 'Episodic memory: episodic control', page: 'episodic.html', seconds: 14,
    lesson: 'Remembering the best return of each situation lets an agent act well after a handful of episodes.',
    milestone: 'episodic control\'s mean return over 20 episodes reaches 0.9',
    question: 'When does remembering single episodes beat learning a value function, and when not?' },
  { id: 'lfads', title: 'Latent dynamics: LFADS', page: 'lfads.html', seconds: 20,
    lesson: 'LFADS infers the few dynamics behind many spiking neurons: its factors trace the hidden Lorenz system.',
    milestone: 'its rate R² on held-out trials reaches 0.75',
    question: 'LFADS predicts neurons it never reads: how, and what does that say about the population?' },
];

renderNav('teach');
registerOffline();
const site = new URL('.', location.href);

document.getElementById('listen-code').append(
  codeField('Listening to an iframe', `window.addEventListener('message', (e) => {\n  if (e.origin !== '${site.origin}' || e.data?.source !== 'neuroai-playground') return;\n` +
    '  console.log(e.data.type, e.data.detail);  // detail.study; detail.text for a milestone\n});', 4),
  codeField('Listening to the element', 'document.addEventListener(\'neuroai\', (e) => console.log(e.detail.type, e.detail));', 1));
document.getElementById('host-policy').append('A course page with a Content-Security-Policy must allow the element: ', h('code', {}, hostPolicy(site.origin)),
  '. Where it does not, the element says so and offers the iframe.');

document.getElementById('teach-studies').append(...STUDIES.map((s) => {
  const { iframe, element } = embedCodes(s.id, '');
  return h('article', { class: 'teach-study', id: `teach-${s.id}`, 'aria-labelledby': `teach-${s.id}-title` },
    h('h3', { id: `teach-${s.id}-title` }, h('a', { href: s.page }, s.title)),
    h('p', {}, s.lesson),
    h('p', {}, h('strong', {}, 'Milestone event: '), `${s.milestone} (from fresh weights, about ${s.seconds} s on a 2-core machine).`),
    h('p', {}, h('a', { class: 'lecture-link', href: lectureLink(s.page) }, 'Lecture mode'),
      ': the story in steps, full screen, the live view set for each; arrow keys, Space or a clicker\'s Page Down to advance, Escape to leave.'),
    codeField(`${s.title}: iframe`, iframe),
    codeField(`${s.title}: element`, element));
}));

document.getElementById('handout-body').append(h('ol', { class: 'handout-list' }, STUDIES.map((s) =>
  h('li', {},
    h('strong', {}, s.title), ' · ', h('span', { class: 'handout-url' }, new URL(s.page, site).href),
    h('br'), s.lesson,
    h('br'), h('em', {}, 'Look for: '), `${s.milestone}.`,
    h('br'), h('em', {}, 'Ask: '), s.question))));
document.getElementById('print-handout').addEventListener('click', () => window.print());
