// Acquires a WebGPU device, with a reason a person can read when there is none. The only place
// in web/js/gpu that looks at navigator: pass `gpu` (e.g. Dawn's create([]) in Node) to skip it.
//
//   const got = await acquireDevice({onLost: (reason) => show(reason)});
//   if (!got.device) show(got.reason);   // 'no navigator.gpu', 'no adapter', ...

/**
 * Resolves to {device, adapter, adapterName, software, reason, release()}. device is null when
 * WebGPU is unavailable and reason says why: 'no navigator.gpu' (the browser has no WebGPU), 'no
 * adapter' (WebGPU exists but offers no adapter, e.g. GPU disabled or blocklisted), 'requestAdapter
 * failed: ...', 'requestDevice failed: ...'. software: the adapter is a CPU fallback (SwiftShader,
 * llvmpipe), slower than the wasm core for compute. onLost(reason) is called once if the device is
 * later lost ('device lost: <message>') by any cause but release(), which destroys it on purpose.
 * That includes a destroy() from elsewhere: Chromium reports some losses (e.g. a failed canvas
 * presentation on SwiftShader) with reason 'destroyed', and device.destroy() is also how a test
 * loses a device on purpose (WebGPU's counterpart of WEBGL_lose_context).
 * onError(message) receives WebGPU errors that no error scope caught ('uncapturederror').
 * requiredLimits: names of adapter limits to request at the adapter's maximum (e.g. for large
 * GEMMs: ['maxStorageBufferBindingSize', 'maxBufferSize']).
 */
export async function acquireDevice({ gpu = globalThis.navigator?.gpu, onLost = null, onError = null, powerPreference = 'high-performance', requiredLimits = [] } = {}) {
  const none = (reason, adapter = null, adapterName = '') => ({ device: null, adapter, adapterName, software: false, reason, release() {} });
  if (!gpu) return none('no navigator.gpu');
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference });
  } catch (error) {
    return none(`requestAdapter failed: ${error.message}`);
  }
  if (!adapter) return none('no adapter');
  const adapterName = describeAdapter(adapter);
  let device;
  try {
    const limits = {};
    for (const name of requiredLimits) limits[name] = adapter.limits[name];
    device = await adapter.requestDevice({ requiredLimits: limits });
  } catch (error) {
    return none(`requestDevice failed: ${error.message}`, adapter, adapterName);
  }
  let released = false;
  device.lost.then((info) => {
    if (!released) onLost?.(`device lost: ${(info.message || info.reason || 'unknown reason').replace(/\.$/, '')}`);
  });
  device.addEventListener?.('uncapturederror', (event) => onError?.(`WebGPU error: ${event.error?.message ?? event.error}`));
  return {
    device, adapter, adapterName, software: isSoftwareAdapter(adapter, adapterName), reason: `WebGPU adapter: ${adapterName}`,
    release() { released = true; device.destroy(); },
  };
}

/** Whether an adapter is a CPU software fallback (flagged as such, or SwiftShader/llvmpipe/lavapipe by name). */
export function isSoftwareAdapter(adapter, adapterName = describeAdapter(adapter)) {
  return Boolean(adapter?.info?.isFallbackAdapter || adapter?.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(adapterName));
}

/** "vendor architecture description" of an adapter, or 'unnamed adapter'. */
export function describeAdapter(adapter) {
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}
