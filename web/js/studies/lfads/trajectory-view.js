// The factors in 3-D (Three.js): trials' factors mapped into Lorenz space by the affine fit (held-out
// trials, or trials of held-out conditions: Lorenz starts never seen in training), beside the true
// Lorenz trajectories, coloured by condition, rotatable with the mouse or the keyboard's arrow keys.
// Renders on demand (no animation loop), so it costs nothing idle.
// Drawn by three's WebGPU renderer where WebGPU is available, WebGL2 otherwise (../../lib/three-renderer.js);
// a line under the view says which and why.
import * as THREE from '../../../vendor/three.module.js';
import { OrbitControls } from '../../../vendor/OrbitControls.js';
import { COLORMAPS } from '../../lib/colormaps.js';
import { h } from '../../lib/dom.js';
import { ThreeRenderer } from '../../lib/three-renderer.js';

const SEPARATION = 2.6;  // the two attractors side by side, in normalized Lorenz units

export class TrajectoryView {
  /**
   * renderer: 'auto' | 'webgpu' | 'webgl2', which renderer to prefer (see ThreeRenderer). single:
   * one set of trajectories and no truth beside it (a recording of your own: its factors' first
   * three principal components).
   */
  constructor(host, { renderer = 'auto', single = false } = {}) {
    this.single = single;
    const canvas = h('canvas', { class: 'trajectories', width: 900, height: 420, tabindex: 0, role: 'img',
                                 'aria-label': single ? 'LFADS factors of held-out trials on their first three principal components; arrow keys rotate'
                                   : 'LFADS factors mapped into Lorenz space (left) beside the true Lorenz trajectories (right); arrow keys rotate' });
    this.summary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'Computing trajectories…');
    this.backendLine = h('p', { class: 'canvas-summary renderer-line' }, 'Starting the 3-D renderer…');
    this.host = host;
    const labels = single ? [h('span', { class: 'label left' }, 'LFADS factors, first three principal components')]
      : [h('span', { class: 'label left' }, 'LFADS factors → Lorenz space'), h('span', { class: 'label right' }, 'true Lorenz state')];
    host.replaceChildren(h('div', { class: 'three-wrap' }, canvas, ...labels), this.summary, this.backendLine);
    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(40, canvas.width / canvas.height, 0.1, 100);
    this.camera.position.set(0, -0.8, 4.6);
    this.group = new THREE.Group();
    this.scene.add(this.group);
    this.attachControls(canvas);
    this.view = null;
    /** Resolves once a renderer draws (or none can: the summary then says so). */
    this.ready = ThreeRenderer.create(canvas, {
      choice: renderer,
      onCanvas: (c) => { this.attachControls(c); this.resize(); },
      onChange: () => { if (this.view) this.backendLine.textContent = this.view.describe(); },
    }).then((view) => {
      this.view = view;
      this.backendLine.textContent = view.describe();
      new ResizeObserver(() => this.resize()).observe(host);
      this.resize();
      if (this.data) this.update(this.data, this.shown);
    }, (error) => {
      this.backendLine.textContent = '';
      this.summary.textContent = `3-D view unavailable (no WebGPU or WebGL: ${error.message}).`;
    });
  }

  get canvas() { return this.view?.canvas ?? this.host.querySelector('canvas.trajectories'); }

  /** Mouse and arrow-key rotation on `canvas` (again on a replacement canvas), keeping the orbit. */
  attachControls(canvas) {
    const target = this.controls?.target.clone();
    this.controls?.dispose();
    this.controls = new OrbitControls(this.camera, canvas);
    if (target) this.controls.target.copy(target);
    this.controls.listenToKeyEvents(canvas);
    this.controls.addEventListener('change', () => this.render());
  }

  resize() {
    if (!this.view) return;
    const width = Math.max(300, this.canvas.parentElement.clientWidth);
    const height = Math.round(width * (width < 560 ? 0.62 : 0.46));  // taller on a phone: the two attractors stay readable
    this.view.setSize(width, height);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.render();
  }

  /**
   * data: {bins, fitted, latent (K*T*3), condition (K), r2} (trajectories() of a set); indices: the
   * trials to draw (all when omitted); label: what they are, setName: what the K trials are (for the
   * summary). A single view takes {bins, fitted, condition} and its summary as `summary`.
   */
  update(data, { indices = null, label = null, setName = 'held-out trials', summary = null } = {}) {
    this.data = data;
    this.shown = { indices, label, setName, summary };
    if (!this.view) return;
    for (const line of this.group.children) {
      line.geometry.dispose();
      line.material.dispose();
    }
    this.group.clear();
    const T = data.bins, K = data.condition.length;
    // Colours by the rank of the condition among those drawn, so that ten conditions get ten distinct colours.
    const ids = [...new Set(data.condition)].sort((a, b) => a - b), rank = new Map(ids.map((c, i) => [c, i]));
    const drawn = indices ?? Array.from({ length: K }, (_, k) => k);
    const sources = this.single ? [[data.fitted, 0]] : [[data.fitted, -SEPARATION / 2], [data.latent, SEPARATION / 2]];
    for (const [source, offset] of sources) {
      for (const k of drawn) {
        const positions = new Float32Array(T * 3);
        for (let t = 0; t < T; t++) {
          // Lorenz (x, y, z) drawn with z up: screen (x, z, y).
          positions[3 * t] = source[(k * T + t) * 3] + offset;
          positions[3 * t + 1] = source[(k * T + t) * 3 + 2];
          positions[3 * t + 2] = source[(k * T + t) * 3 + 1];
        }
        const geometry = new THREE.BufferGeometry();
        geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
        const i = 3 * Math.round((rank.get(data.condition[k]) / Math.max(1, ids.length - 1)) * 230);
        const color = new THREE.Color(COLORMAPS.viridis[i] / 255, COLORMAPS.viridis[i + 1] / 255, COLORMAPS.viridis[i + 2] / 255);
        this.group.add(new THREE.Line(geometry, new THREE.LineBasicMaterial({ color })));
      }
    }
    this.render();
    if (this.single) {
      this.summary.textContent = summary ?? '';
      return;
    }
    this.summary.textContent = `${label ?? `${K} ${setName}`} drawn (observed bins). Over all ${K} ${setName}, the factors, mapped by an affine fit ` +
      `learned on training trials, explain R² = ${data.r2.toFixed(3)} of the true Lorenz state.`;
  }

  render() {
    this.view?.render(this.scene, this.camera);
  }
}
