// The Three.js view's renderer choice (web/js/lib/three-renderer.js) on the LFADS page: WebGL2 on a
// software WebGPU adapter in auto mode and without WebGPU; three's WebGPU renderer with gpu=on; and
// when that device is lost, WebGL2 on a fresh canvas without a reload, still drawing and rotating.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inkPixels, launch, openPage, screenshot } from './browser.mjs';

let withGpu, withoutGpu;
before(async () => { [withGpu, withoutGpu] = await Promise.all([launch({ gpu: true }), launch({ gpu: false })]); });
after(async () => { await Promise.all([withGpu?.close(), withoutGpu?.close()]); });

/** Waits for the trajectories to be drawn; resolves to the view's {backend, line}. */
async function drawn(page) {
  await page.waitForFunction(() => window.neuroaiLfads?.panel.traj && window.neuroaiLfads.panel.trajectories.view, null, { timeout: 90000 });
  return page.evaluate(() => {
    const { view } = window.neuroaiLfads.panel.trajectories;
    return { backend: view.backend, line: document.querySelector('#lfads-trajectories .renderer-line').textContent };
  });
}

const ink = (page) => inkPixels(page, 'canvas.trajectories');

test('auto: a software WebGPU adapter is left to WebGL2, and so is a browser without WebGPU', async () => {
  for (const [env, why] of [[withGpu, /CPU software fallback/], [withoutGpu, /no WebGPU here: no (navigator\.gpu|adapter)/]]) {
    const page = await openPage(env.browser, `${env.url}lfads.html`);
    const r = await drawn(page);
    assert.equal(r.backend, 'webgl2');
    assert.match(r.line, /3-D view drawn with WebGL2: /);
    assert.match(r.line, why);
    assert.ok(await ink(page) > 2000);
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});

test('renderer=webgpu: three\'s WebGPU renderer; a lost device moves the view to WebGL2 without a reload', async () => {
  const page = await openPage(withGpu.browser, `${withGpu.url}lfads.html#renderer=webgpu`);
  await page.waitForFunction(() => window.neuroaiLfads?.panel.trajectories.view, null, { timeout: 90000 });
  const first = await page.evaluate(() => {
    const { view } = window.neuroaiLfads.panel.trajectories;
    const started = view.history[0];
    // A lost device, as WebGPU lets a page cause one (WEBGL_lose_context's counterpart). On
    // SwiftShader, presenting to a canvas can also lose it on its own within a second.
    if (view.backend === 'webgpu') view.renderer.backend.device.destroy();
    return started;
  });
  assert.equal(first, 'webgpu', 'three\'s WebGPU renderer started on SwiftShader\'s adapter');
  await page.waitForFunction(() => window.neuroaiLfads.panel.trajectories.view.backend === 'webgl2', null, { timeout: 10000 });
  await page.waitForFunction(() => window.neuroaiLfads.panel.traj, null, { timeout: 90000 });
  const after = await page.evaluate(() => {
    const { trajectories } = window.neuroaiLfads.panel;
    return {
      line: document.querySelector('#lfads-trajectories .renderer-line').textContent,
      history: trajectories.view.history,
      inPage: document.querySelector('canvas.trajectories') === trajectories.view.canvas,
      canvases: document.querySelectorAll('canvas.trajectories').length,
      reloaded: performance.getEntriesByType('navigation').length !== 1,
    };
  });
  assert.match(after.line, /3-D view drawn with WebGL2: the WebGPU device lost: .*switched to WebGL2 without a reload/);
  assert.deepEqual(after.history, ['webgpu', 'webgl2']);
  assert.equal(after.inPage, true);
  assert.equal(after.reloaded, false);
  assert.equal(after.canvases, 1);
  const before = await ink(page);
  assert.ok(before > 2000, `pixels drawn after the switch: ${before}`);
  // The controls moved to the new canvas: arrow keys still rotate the view.
  await page.focus('canvas.trajectories');
  const view0 = await page.evaluate(() => window.neuroaiLfads.panel.trajectories.camera.position.toArray());
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  const view1 = await page.evaluate(() => window.neuroaiLfads.panel.trajectories.camera.position.toArray());
  assert.notDeepEqual(view1, view0, 'arrow keys rotate the camera on the replacement canvas');
  await screenshot(page, 'lfads-renderer-fallback');
  assert.deepEqual(page.problems, []);
  await page.close();
});
