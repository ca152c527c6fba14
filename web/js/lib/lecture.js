// Lecture mode: ?mode=lecture on a study page turns it into a sequence of steps (the role RISE
// slides play beside a notebook). Each step is a short claim from the study's story in large type,
// with the live panel set to show it: its knobs and view (through StudyPanel.applyState, as a user
// would turn them), training started or paused, and only the sections the step needs shown.
// The keys presentation clickers send move through it: → ↓ Space Page Down forward, ← ↑ Page Up
// back, Home and End; Escape leaves. The step is in the URL (?mode=lecture&step=3), so a link
// opens that slide; the panel's state stays in the hash as on the page.
//
// A study's steps (web/js/studies/<study>/lecture.js): [{claim, detail, state?, run?, show?}]
//   state: knobs and view to set (keys of the study's SCHEMA); run: true starts training, false
//   pauses it (absent: leaves it); show: the ids of the page's sections to show (default ['live']);
//   focus: a selector of what to bring into view under the claim (default: the first section shown).
import { h } from './dom.js';

const FORWARD = new Set(['ArrowRight', 'ArrowDown', 'PageDown', ' ']);
const BACK = new Set(['ArrowLeft', 'ArrowUp', 'PageUp']);
// Keys typed into these stay theirs (a number field, a select, the ViT's drawing pad, the 3-D view's arrows).
const OWN_KEYS = 'input, select, textarea, [contenteditable], canvas[tabindex], [role="application"]';

/** The 1-based step a page's query asks for, or null when it does not ask for lecture mode. */
export function lectureStep(search = location.search) {
  const query = new URLSearchParams(search);
  if (query.get('mode') !== 'lecture') return null;
  const raw = query.get('step') ?? '1';
  return /^\d{1,3}$/.test(raw) ? Math.max(1, Number(raw)) : 1;  // a link is untrusted: digits only, short
}

/** The link to step `step` (1-based) of a page's lecture. */
export const lectureLink = (page, step = 1) => `${page}?mode=lecture&step=${step}`;

/**
 * Starts lecture mode on this page when its query asks for it (else returns null): `title` names
 * the study, `steps` its story, `panel` the StudyPanel the steps drive. Returns {go(i), leave(), index()}.
 */
export function startLecture({ title, steps, panel }) {
  const asked = lectureStep();
  if (asked === null) return null;
  if (!steps.length) throw new Error('startLecture: steps: expected at least one step');
  const main = document.getElementById('main');
  const sections = [...main.querySelectorAll(':scope > section')];
  const count = h('p', { class: 'lecture-count' });
  // The claim is the page's heading while the lecture runs (the page's own h1 is hidden).
  const claim = h('h1', { class: 'lecture-claim', id: 'lecture-claim', tabindex: '-1' });
  const detail = h('p', { class: 'lecture-detail' });
  const back = h('button', { type: 'button', onclick: () => go(index - 1) }, '← Back');
  const next = h('button', { type: 'button', class: 'primary', onclick: () => go(index + 1) }, 'Next →');
  const full = h('button', { type: 'button', onclick: () => toggleFullscreen() }, 'Full screen');
  const leaveButton = h('button', { type: 'button', onclick: () => leave() }, 'Leave the lecture');
  const bar = h('section', { class: 'lecture-bar', 'aria-labelledby': 'lecture-claim', 'aria-live': 'polite' },
    count, claim, detail,
    h('div', { class: 'lecture-controls' }, back, next, full, leaveButton),
    h('p', { class: 'lecture-keys' }, '→, Space or Page Down: next · ← or Page Up: back · Esc: leave'));
  main.prepend(bar);
  document.body.classList.add('lecture');
  let index = 0;

  function setUrl(step) {
    const query = new URLSearchParams(location.search);
    if (step === null) {
      query.delete('mode');
      query.delete('step');
    } else {
      query.set('mode', 'lecture');
      query.set('step', String(step));
    }
    const search = query.toString();
    history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  }

  function go(i) {
    index = Math.max(0, Math.min(steps.length - 1, i));
    const step = steps[index];
    count.textContent = `${title} · step ${index + 1} of ${steps.length}`;
    claim.textContent = step.claim;
    detail.textContent = step.detail ?? '';
    back.disabled = index === 0;
    next.disabled = index === steps.length - 1;
    const show = new Set(step.show ?? ['live']);
    for (const s of sections) s.classList.toggle('lecture-hidden', !show.has(s.id));
    setUrl(index + 1);
    panel.applyState(step.state ?? {});
    if (step.run !== undefined) panel.setRunning(step.run);
    requestAnimationFrame(() => reveal(step.focus));
    main.dispatchEvent(new CustomEvent('lecture-step', { detail: { index, step } }));
  }

  /** Scrolls what the step is about to just below the claim (the bar stays on top on wide screens). */
  function reveal(selector) {
    const target = (selector && document.querySelector(selector)) || sections.find((s) => !s.classList.contains('lecture-hidden'));
    if (!target) return;
    const below = getComputedStyle(bar).position === 'sticky' ? bar.offsetHeight : 0;
    window.scrollTo({ top: Math.max(0, target.getBoundingClientRect().top + window.scrollY - below - 12), behavior: 'instant' });
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }

  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'Escape') {
      if (document.fullscreenElement) return;  // the browser's own Escape leaves full screen first
      e.preventDefault();
      leave();
      return;
    }
    if (e.target instanceof Element && e.target.closest(OWN_KEYS)) return;
    if (e.key === ' ' && e.target instanceof Element && e.target.closest('button, a')) return;  // Space presses a focused button
    let to = null;
    if (FORWARD.has(e.key)) to = index + 1;
    else if (BACK.has(e.key)) to = index - 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = steps.length - 1;
    if (to === null) return;
    e.preventDefault();
    go(to);
  }

  function leave() {
    document.removeEventListener('keydown', onKey);
    bar.remove();
    document.body.classList.remove('lecture');
    for (const s of sections) s.classList.remove('lecture-hidden');
    setUrl(null);
    if (document.fullscreenElement) document.exitFullscreen?.();
    document.getElementById('live')?.scrollIntoView();
  }

  document.addEventListener('keydown', onKey);
  go(asked - 1);
  claim.focus({ preventScroll: true });
  return { go, leave, index: () => index };
}
