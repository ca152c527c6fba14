// The model's input: a gallery of test images, a 28 x 28 drawing pad and a picture of the user's
// own (./picture.js: converted as Fashion-MNIST was made; it never leaves the browser). Emits
// 'change' with {image (Float32Array, 784 pixels in [0, 1]), source: 'gallery' | 'draw' |
// 'picture', index, label}; 'page' when the gallery shows other images; 'thumbs' when the
// attention on the thumbnails is switched.
import { h } from '../../lib/dom.js';
import { blitScaled, paintImage } from './colormap.js';
import { pictureFromFile } from './picture.js';

const SIDE = 28;
const PAGE = 30;        // thumbnails per gallery page: 3 per class
const PAD_SCALE = 8;    // drawing pad: 224 x 224 CSS pixels
const BRUSHES = { thin: 0.9, medium: 1.4, thick: 2.0 };  // brush radius in image pixels

export class InputPad extends EventTarget {
  /**
   * @param {HTMLElement} host
   * @param {{testPixels: Uint8Array, testLabels: Uint8Array, classNames: string[]}} data
   * @param {{input: string, img: number, thumbs: string}} state  (read and written: lives in the URL hash)
   */
  constructor(host, data, state, onStateChange) {
    super();
    this.data = data;
    this.state = state;
    this.onStateChange = onStateChange;
    this.drawing = new Float32Array(SIDE * SIDE);
    this.picture = null;  // {image, inverted, box, name, width, height}: the user's picture, converted
    this.cursor = { x: 14, y: 14 };
    this.eraser = false;
    this.brush = 'medium';
    this.predictions = null;  // predicted class per test image shown, when known
    this.heat = null;         // {maps: Map(test image -> heat per patch in [0, 1]), grid}: drawn on the thumbnails
    this.build(host);
    this.showPage(Math.floor(state.img / PAGE));
    this.setInput(state.input, { silent: true });
  }

  build(host) {
    this.galleryTab = h('button', { role: 'tab', id: 'vit-tab-gallery', 'aria-controls': 'vit-gallery', onclick: () => this.setInput('gallery') }, 'Test images');
    this.drawTab = h('button', { role: 'tab', id: 'vit-tab-draw', 'aria-controls': 'vit-draw', onclick: () => this.setInput('draw') }, 'Draw');
    this.grid = h('div', { class: 'vit-thumbs' });
    this.pageLabel = h('span', { class: 'vit-muted' });
    this.thumbsBox = h('input', { type: 'checkbox', id: 'vit-thumbs-attention', checked: this.state.thumbs === 'attention',
      onchange: (e) => this.setThumbs(e.target.checked ? 'attention' : 'plain') });
    this.gallery = h('div', { id: 'vit-gallery', role: 'tabpanel', 'aria-labelledby': 'vit-tab-gallery' },
      this.grid,
      h('div', { class: 'vit-row' },
        h('button', { onclick: () => this.showPage(this.page - 1), 'aria-label': 'Previous test images' }, '‹'),
        this.pageLabel,
        h('button', { onclick: () => this.showPage(this.page + 1), 'aria-label': 'More test images' }, '›')),
      h('label', { class: 'vit-check vit-small', title: 'Each thumbnail shows what the attention view shows: the same block, head, query or rollout' },
        this.thumbsBox, 'Show the attention on every thumbnail'));

    this.pad = h('canvas', { width: SIDE * PAD_SCALE, height: SIDE * PAD_SCALE, class: 'vit-pad', tabindex: 0,
      role: 'img', 'aria-label': 'Drawing pad, 28 by 28 pixels. Draw with the mouse, a pen or a finger; or move with the arrow keys and press Space to paint.',
      'aria-describedby': 'vit-pad-help' });
    this.padImage = new ImageData(SIDE, SIDE);
    this.eraserButton = h('button', { 'aria-pressed': 'false', onclick: () => this.toggleEraser() }, 'Eraser');
    this.brushSelect = h('select', { 'aria-label': 'Brush size', onchange: (e) => { this.brush = e.target.value; } },
      Object.keys(BRUSHES).map((b) => h('option', { value: b, selected: b === this.brush }, `${b} brush`)));
    this.padSummary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'The pad is empty.');
    this.draw = h('div', { id: 'vit-draw', role: 'tabpanel', 'aria-labelledby': 'vit-tab-draw' },
      this.pad,
      h('div', { class: 'vit-row' },
        this.brushSelect, this.eraserButton,
        h('button', { onclick: () => this.clearPad() }, 'Clear'),
        h('button', { onclick: () => this.copySelected(), title: 'Copy the selected test image into the pad to edit it' }, 'Copy test image')),
      h('p', { id: 'vit-pad-help', class: 'vit-muted vit-small' },
        'Fashion-MNIST garments are centred, fill the frame and are light on black. Keys: arrows move, Space paints, E toggles the eraser, Delete clears.'),
      this.padSummary);

    this.pictureTab = h('button', { role: 'tab', id: 'vit-tab-picture', 'aria-controls': 'vit-picture', onclick: () => this.setInput('picture') }, 'Your picture');
    this.buildPicture();
    host.replaceChildren(h('div', { class: 'vit-tabs', role: 'tablist', 'aria-label': 'Input' }, this.galleryTab, this.drawTab, this.pictureTab),
      this.gallery, this.draw, this.pictureBox);
    this.bindPad();
  }

  // ---- your picture ----

  buildPicture() {
    this.fileInput = h('input', { type: 'file', accept: 'image/*', hidden: true, 'aria-label': 'Your picture',
      onchange: (e) => { if (e.target.files[0]) this.loadPicture(e.target.files[0]); e.target.value = ''; } });
    this.original = h('canvas', { width: 224, height: 224, class: 'vit-original', role: 'img', 'aria-label': 'Your picture as you gave it' });
    this.seen = h('canvas', { width: SIDE * PAD_SCALE, height: SIDE * PAD_SCALE, class: 'vit-seen', role: 'img',
      'aria-label': 'Your picture as the model sees it: 28 by 28 pixels, grayscale' });
    this.pictureNote = h('p', { class: 'vit-muted vit-small', 'aria-live': 'polite' },
      'Pick or drop a photo of a garment, a shoe or a bag: it is converted as Fashion-MNIST was made.');
    this.pictureError = h('p', { class: 'error', role: 'alert', hidden: true });
    this.pictureBox = h('div', { id: 'vit-picture', role: 'tabpanel', 'aria-labelledby': 'vit-tab-picture', class: 'vit-drop' },
      h('div', { class: 'vit-row' },
        h('button', { onclick: () => this.fileInput.click() }, 'Pick a picture…'), this.fileInput,
        h('span', { class: 'vit-muted vit-small' }, 'or drop one here')),
      h('div', { class: 'vit-picture-pair' },
        h('figure', {}, this.original, h('figcaption', { class: 'vit-small' }, 'Yours')),
        h('figure', {}, this.seen, h('figcaption', { class: 'vit-small' }, 'As the model sees it'))),
      this.pictureNote, this.pictureError,
      h('p', { class: 'vit-muted vit-small' }, 'Your picture stays in this browser: it is read and converted here, and nothing is sent anywhere.'));
    this.pictureBox.addEventListener('dragover', (e) => {
      e.preventDefault();
      this.pictureBox.classList.add('dragging');
    });
    this.pictureBox.addEventListener('dragleave', () => this.pictureBox.classList.remove('dragging'));
    this.pictureBox.addEventListener('drop', (e) => {
      e.preventDefault();
      this.pictureBox.classList.remove('dragging');
      const file = [...(e.dataTransfer?.files ?? [])][0];
      if (file) this.loadPicture(file);
      else this.showPictureError('Drop a picture file (the drop held no file).');
    });
    this.renderPicture();
  }

  /** Reads, converts and shows a picture file; the model then looks at it. */
  async loadPicture(file) {
    this.pictureError.hidden = true;
    this.pictureNote.textContent = `Reading ${file.name || 'the picture'}…`;
    try {
      const picture = await pictureFromFile(file);
      const bitmap = await createImageBitmap(file);  // again, for the "yours" view (pictureFromFile closed its own)
      const fit = Math.min(this.original.width / bitmap.width, this.original.height / bitmap.height);
      const ctx = this.original.getContext('2d');
      ctx.clearRect(0, 0, this.original.width, this.original.height);
      const w = bitmap.width * fit, h2 = bitmap.height * fit;
      ctx.drawImage(bitmap, (this.original.width - w) / 2, (this.original.height - h2) / 2, w, h2);
      bitmap.close();
      this.picture = picture;
      this.pictureNote.textContent = `${picture.name} (${picture.width} x ${picture.height}): trimmed to the object ` +
        `(${picture.box.width} x ${picture.box.height} px), its longest side scaled to 28 px and centred, ` +
        `${picture.inverted ? 'inverted (its background is light; Fashion-MNIST\'s is black)' : 'not inverted (its background is already dark)'}, in grayscale.`;
      this.renderPicture();
      if (this.state.input === 'picture') this.emit();
      else this.setInput('picture');
    } catch (error) {
      this.showPictureError(error.message);
    }
  }

  showPictureError(message) {
    this.pictureNote.textContent = this.picture ? `Still showing ${this.picture.name}.` : 'Pick or drop a photo of a garment, a shoe or a bag.';
    this.pictureError.textContent = message;
    this.pictureError.hidden = false;
  }

  renderPicture() {
    blitScaled(this.seen, paintImage(new ImageData(SIDE, SIDE), this.picture?.image ?? new Float32Array(SIDE * SIDE), SIDE));
  }

  // ---- gallery ----

  get count() { return this.data.testLabels.length; }

  showPage(page) {
    const pages = Math.ceil(this.count / PAGE);
    this.page = ((page % pages) + pages) % pages;
    this.pageLabel.textContent = `images ${this.page * PAGE + 1}-${Math.min(this.count, (this.page + 1) * PAGE)} of ${this.count}`;
    const buttons = [];
    for (let i = this.page * PAGE; i < Math.min(this.count, (this.page + 1) * PAGE); i++) {
      const canvas = h('canvas', { width: SIDE, height: SIDE, 'aria-hidden': 'true' });
      const button = h('button', { class: 'vit-thumb', dataset: { index: String(i) }, onclick: () => this.select(i) }, canvas,
        h('span', { class: 'vit-mark', 'aria-hidden': 'true' }));
      buttons.push(button);
    }
    this.grid.replaceChildren(...buttons);
    this.paintThumbs();
    this.markGallery();
    this.dispatchEvent(new CustomEvent('page'));
  }

  /** Each visible thumbnail, with its heat map on top when one is known. */
  paintThumbs() {
    for (const button of this.grid.children) {
      const i = Number(button.dataset.index);
      const heat = this.heat?.maps.get(i) ?? null;
      button.firstChild.getContext('2d').putImageData(paintImage(new ImageData(SIDE, SIDE), this.imageOf(i), SIDE, heat, this.heat?.grid ?? 0), 0, 0);
    }
  }

  /** Heat maps for thumbnails: Map(test image index -> heat per patch in [0, 1]) on a grid x grid patch grid; null: plain images. */
  setThumbHeat(maps, grid = 0) {
    this.heat = maps ? { maps, grid } : null;
    this.paintThumbs();
  }

  setThumbs(mode) {
    this.state.thumbs = mode;
    this.thumbsBox.checked = mode === 'attention';
    if (mode !== 'attention') this.setThumbHeat(null);
    this.onStateChange?.();
    this.dispatchEvent(new CustomEvent('thumbs'));
  }

  /** Test image i as Float32 pixels in [0, 1]. */
  imageOf(i) {
    const out = new Float32Array(SIDE * SIDE);
    const base = i * SIDE * SIDE;
    for (let k = 0; k < out.length; k++) out[k] = this.data.testPixels[base + k] / 255;
    return out;
  }

  /** Indices of the test images on the current page. */
  visibleIndices() {
    return [...this.grid.children].map((b) => Number(b.dataset.index));
  }

  /** Marks each visible thumbnail right or wrong: predicted[k] is the class for visibleIndices()[k]. */
  setPredictions(indices, predicted) {
    this.predictions = new Map(indices.map((i, k) => [i, predicted[k]]));
    this.markGallery();
  }

  markGallery() {
    for (const button of this.grid.children) {
      const i = Number(button.dataset.index);
      const label = this.data.testLabels[i];
      const p = this.predictions?.get(i);
      const name = this.data.classNames[label];
      const verdict = p === undefined ? '' : p === label ? ', classified correctly' : `, classified as ${this.data.classNames[p]}`;
      button.setAttribute('aria-label', `Test image ${i + 1}: ${name}${verdict}`);
      button.setAttribute('aria-pressed', String(this.state.input === 'gallery' && i === this.state.img));
      button.classList.toggle('wrong', p !== undefined && p !== label);
      button.querySelector('.vit-mark').textContent = p === undefined ? '' : p === label ? '✓' : '✗';
    }
  }

  select(i) {
    this.state.img = i;
    this.state.input = 'gallery';
    this.setInput('gallery');
  }

  // ---- tabs ----

  setInput(input, { silent = false } = {}) {
    this.state.input = input;
    const gallery = input === 'gallery';
    this.galleryTab.setAttribute('aria-selected', String(gallery));
    this.drawTab.setAttribute('aria-selected', String(input === 'draw'));
    this.pictureTab.setAttribute('aria-selected', String(input === 'picture'));
    this.gallery.hidden = !gallery;
    this.draw.hidden = input !== 'draw';
    this.pictureBox.hidden = input !== 'picture';
    this.markGallery();
    this.renderPad();
    if (!silent) {
      this.onStateChange?.();
      this.emit();
    }
  }

  /** The current input: {image, source, index, label}. */
  current() {
    if (this.state.input === 'draw') return { image: this.drawing.slice(), source: 'draw', index: -1, label: -1 };
    if (this.state.input === 'picture') return { image: this.picture?.image.slice() ?? new Float32Array(SIDE * SIDE), source: 'picture', index: -1, label: -1 };
    const i = this.state.img;
    return { image: this.imageOf(i), source: 'gallery', index: i, label: this.data.testLabels[i] };
  }

  emit() { this.dispatchEvent(new CustomEvent('change', { detail: this.current() })); }

  // ---- drawing pad ----

  bindPad() {
    let drawing = false;
    const at = (e) => {
      const r = this.pad.getBoundingClientRect();
      return { x: ((e.clientX - r.left) / r.width) * SIDE, y: ((e.clientY - r.top) / r.height) * SIDE };
    };
    this.pad.addEventListener('pointerdown', (e) => {
      drawing = true;
      this.pad.setPointerCapture(e.pointerId);
      this.stroke(at(e));
      e.preventDefault();
    });
    this.pad.addEventListener('pointermove', (e) => { if (drawing) this.stroke(at(e)); });
    const end = () => { drawing = false; };
    this.pad.addEventListener('pointerup', end);
    this.pad.addEventListener('pointercancel', end);
    this.pad.addEventListener('keydown', (e) => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (moves[e.key]) {
        this.cursor.x = Math.min(SIDE - 1, Math.max(0, this.cursor.x + moves[e.key][0]));
        this.cursor.y = Math.min(SIDE - 1, Math.max(0, this.cursor.y + moves[e.key][1]));
        if (e.shiftKey) this.stroke({ x: this.cursor.x + 0.5, y: this.cursor.y + 0.5 });
        else this.renderPad();
      } else if (e.key === ' ' || e.key === 'Enter') {
        this.stroke({ x: this.cursor.x + 0.5, y: this.cursor.y + 0.5 });
      } else if (e.key === 'e' || e.key === 'E') {
        this.toggleEraser();
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        this.clearPad();
      } else {
        return;
      }
      e.preventDefault();
    });
    this.pad.addEventListener('focus', () => this.renderPad());
    this.pad.addEventListener('blur', () => this.renderPad());
  }

  /** Paints (or erases) a soft round dab at p (image coordinates). */
  stroke(p) {
    const radius = BRUSHES[this.brush];
    for (let y = Math.floor(p.y - radius - 1); y <= p.y + radius + 1; y++)
      for (let x = Math.floor(p.x - radius - 1); x <= p.x + radius + 1; x++) {
        if (x < 0 || y < 0 || x >= SIDE || y >= SIDE) continue;
        const d = Math.hypot(x + 0.5 - p.x, y + 0.5 - p.y);
        const amount = Math.min(1, Math.max(0, radius + 0.5 - d));  // 1 inside, fading over half a pixel
        const i = y * SIDE + x;
        this.drawing[i] = this.eraser ? Math.max(0, this.drawing[i] - amount) : Math.max(this.drawing[i], amount);
      }
    this.cursor = { x: Math.min(SIDE - 1, Math.max(0, Math.floor(p.x))), y: Math.min(SIDE - 1, Math.max(0, Math.floor(p.y))) };
    this.padChanged();
  }

  toggleEraser() {
    this.eraser = !this.eraser;
    this.eraserButton.setAttribute('aria-pressed', String(this.eraser));
  }

  clearPad() {
    this.drawing.fill(0);
    this.padChanged();
  }

  copySelected() {
    this.drawing.set(this.imageOf(this.state.img));
    this.padChanged();
  }

  padChanged() {
    this.renderPad();
    let ink = 0;
    for (const v of this.drawing) ink += v > 0.1 ? 1 : 0;
    this.padSummary.textContent = ink ? `The drawing covers ${ink} of 784 pixels.` : 'The pad is empty.';
    if (this.state.input === 'draw') this.emit();
  }

  renderPad() {
    const ctx = blitScaled(this.pad, paintImage(this.padImage, this.drawing, SIDE));
    if (document.activeElement === this.pad) {  // the keyboard cursor
      ctx.strokeStyle = '#e69f00';
      ctx.lineWidth = 2;
      ctx.strokeRect(this.cursor.x * PAD_SCALE + 1, this.cursor.y * PAD_SCALE + 1, PAD_SCALE - 2, PAD_SCALE - 2);
    }
  }
}
