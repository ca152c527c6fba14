// A Three.js renderer for one canvas: three's WebGPURenderer where WebGPU is available, WebGL2
// otherwise, and WebGL2 again if the WebGPU device is lost later (on a fresh canvas, since a canvas
// keeps the context type it was first given), without a reload. The view keeps one scene and
// camera; it re-attaches whatever listens to the canvas in onCanvas.
//
//   const view = await ThreeRenderer.create(canvas, { choice: 'auto', onCanvas: (c) => rebind(c), onChange: () => say(view.describe()) });
//   view.setSize(w, h); view.render(scene, camera);
//
// choice, the pages' #renderer= link setting: 'auto' (WebGPU on a real GPU adapter; a CPU software
// adapter is left to WebGL2, like the compute path), 'webgpu' (WebGPU on any adapter), 'webgl2'.
// It is a setting apart from #gpu= (compute): on SwiftShader, presenting a WebGPU canvas can take
// down the GPU process's other WebGPU work, so the two are tried separately there.
// three.webgpu.js (about 1.4 MB) is imported only when the WebGPU path is taken.
import * as THREE from '../../vendor/three.module.js';
import { acquireDevice } from '../gpu/device.js';

/** The values of a page's #renderer= setting. */
export const RENDERERS = ['auto', 'webgpu', 'webgl2'];

export class ThreeRenderer {
  /**
   * Resolves to a ThreeRenderer on `canvas`. clearColor: the background; onCanvas(canvas) when the
   * canvas is replaced (after a lost device); onChange() when the backend or its reason changes.
   * Throws an Error when neither WebGPU nor WebGL2 can draw here.
   */
  static async create(canvas, { choice = 'auto', clearColor = 0xffffff, onCanvas = null, onChange = null } = {}) {
    if (!RENDERERS.includes(choice)) throw new Error(`ThreeRenderer: choice: expected one of ${RENDERERS.join(', ')}, got ${choice}`);
    const view = new ThreeRenderer(canvas, clearColor, onCanvas, onChange);
    if (choice === 'webgl2') {
      view.#useWebGL('chosen in the link (renderer=webgl2)');
      return view;
    }
    const got = await acquireDevice({ onLost: (reason) => view.#lost(reason) });
    if (!got.device) view.#useWebGL(`no WebGPU here: ${got.reason}`);
    else if (got.software && choice === 'auto') {
      got.release();
      view.#useWebGL(`the WebGPU adapter (${got.adapterName}) is a CPU software fallback; renderer=webgpu in the link uses it anyway`);
    } else {
      try {
        const { WebGPURenderer } = await import('../../vendor/three.webgpu.js');
        const renderer = new WebGPURenderer({ canvas, antialias: true, device: got.device });
        renderer.onDeviceLost = () => {};  // reported once, by acquireDevice's onLost
        globalThis.addEventListener?.('unhandledrejection', ignoreLostDeviceScopes);
        await renderer.init();
        if (!renderer.backend.isWebGPUBackend) throw new Error('three chose its WebGL backend');
        view.#got = got;
        view.#install(renderer, 'webgpu', got.adapterName);
      } catch (error) {
        got.release();
        view.#useWebGL(`three's WebGPU renderer could not start: ${error.message}`);
      }
    }
    return view;
  }

  #got = null;
  #size = null;  // [width, height] last set, re-applied to a replacement renderer

  constructor(canvas, clearColor, onCanvas, onChange) {
    this.canvas = canvas;
    this.renderer = null;
    this.backend = 'none';   // 'webgpu' | 'webgl2' ('none' while switching, or when nothing can draw)
    this.reason = '';        // why this backend, for the page
    this.history = [];       // the backends used, in order (e.g. ['webgpu', 'webgl2'] after a loss)
    this.clearColor = clearColor;
    this.onCanvas = onCanvas;
    this.onChange = onChange;
  }

  /** One line for the page: which renderer draws and why. */
  describe() {
    if (this.backend === 'none') return `3-D view: ${this.reason}.`;
    return `3-D view drawn with ${this.backend === 'webgpu' ? 'WebGPU' : 'WebGL2'}: ${this.reason}.`;
  }

  setSize(width, height) {
    this.#size = [width, height];
    this.renderer?.setSize(width, height, false);
  }

  render(scene, camera) {
    this.renderer?.render(scene, camera);
  }

  dispose() {
    this.renderer?.dispose();
    this.#got?.release();
    this.renderer = null;
  }

  #install(renderer, backend, reason) {
    renderer.setPixelRatio(Math.min(2, globalThis.devicePixelRatio || 1));
    renderer.setClearColor(this.clearColor);
    if (this.#size) renderer.setSize(...this.#size, false);
    this.renderer = renderer;
    this.backend = backend;
    this.reason = reason;
    this.history.push(backend);
    this.onChange?.();
  }

  #useWebGL(reason) {
    // preserveDrawingBuffer: the picture stays readable (screenshots, drawImage) between renders on demand.
    const renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: true, preserveDrawingBuffer: true });
    this.#install(renderer, 'webgl2', reason);
  }

  /** The WebGPU device is gone: move to WebGL2 on a fresh copy of the canvas. */
  async #lost(reason) {
    if (this.backend !== 'webgpu') return;
    const old = this.canvas;
    this.renderer.dispose();
    this.renderer = null;
    this.#got = null;
    this.backend = 'none';
    this.reason = `the WebGPU ${reason}; switching to WebGL2…`;
    this.onChange?.();
    this.canvas = old.cloneNode(false);
    old.replaceWith(this.canvas);
    // When the loss came from the GPU process going down, WebGL is back only once it has restarted.
    const ready = await webgl2Returns();
    try {
      if (!ready) throw new Error('no WebGL2 context within 5 s');
      this.#useWebGL(`the WebGPU ${reason}; switched to WebGL2 without a reload`);
    } catch (error) {
      this.reason = `the WebGPU ${reason}, and WebGL2 is unavailable too (${error.message})`;
      this.onChange?.();
      return;
    }
    this.onCanvas?.(this.canvas);
  }
}

/**
 * three r187 calls device.popErrorScope().then(...) with no catch; once the device is lost, those
 * promises reject ('Instance dropped in popErrorScope'). The loss itself is handled above, so these
 * follow-on rejections are expected and kept out of the console.
 */
function ignoreLostDeviceScopes(event) {
  if (/popErrorScope/.test(String(event.reason?.message ?? event.reason))) event.preventDefault();
}

/** Resolves true once a throwaway canvas gets a WebGL2 context (tries for about 5 s), else false. */
async function webgl2Returns() {
  for (let wait = 100; wait <= 3200; wait *= 2) {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (gl) {
      gl.getExtension('WEBGL_lose_context')?.loseContext();
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return false;
}
