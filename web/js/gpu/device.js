// Acquires a WebGPU device, with a reason a person can read when there is none. The only place
// in web/js/gpu that looks at navigator: pass `gpu` (e.g. Dawn's create([]) in Node) to skip it.
//
//   const got = await acquireDevice({onLost: (reason) => show(reason)});
//   if (!got.device) show(got.reason);   // 'no navigator.gpu', 'no adapter', ...

/**
 * Resolves to {device, adapter, adapterName, reason}. device is null when WebGPU is unavailable
 * and reason says why: 'no navigator.gpu' (the browser has no WebGPU), 'no adapter' (WebGPU
 * exists but offers no adapter, e.g. GPU disabled or blocklisted), 'requestAdapter failed: ...',
 * 'requestDevice failed: ...'. onLost(reason) is called once if the device is later lost
 * ('device lost: <message>'); a device lost on purpose (device.destroy()) is not reported.
 * onError(message) receives WebGPU errors that no error scope caught ('uncapturederror').
 * requiredLimits: names of adapter limits to request at the adapter's maximum (e.g. for large
 * GEMMs: ['maxStorageBufferBindingSize', 'maxBufferSize']).
 */
export async function acquireDevice({ gpu = globalThis.navigator?.gpu, onLost = null, onError = null, powerPreference = 'high-performance', requiredLimits = [] } = {}) {
  if (!gpu) return { device: null, adapter: null, adapterName: '', reason: 'no navigator.gpu' };
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference });
  } catch (error) {
    return { device: null, adapter: null, adapterName: '', reason: `requestAdapter failed: ${error.message}` };
  }
  if (!adapter) return { device: null, adapter: null, adapterName: '', reason: 'no adapter' };
  const adapterName = describeAdapter(adapter);
  let device;
  try {
    const limits = {};
    for (const name of requiredLimits) limits[name] = adapter.limits[name];
    device = await adapter.requestDevice({ requiredLimits: limits });
  } catch (error) {
    return { device: null, adapter, adapterName, reason: `requestDevice failed: ${error.message}` };
  }
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') onLost?.(`device lost: ${info.message || info.reason || 'unknown reason'}`);
  });
  device.addEventListener?.('uncapturederror', (event) => onError?.(`WebGPU error: ${event.error?.message ?? event.error}`));
  return { device, adapter, adapterName, reason: `WebGPU adapter: ${adapterName}` };
}

/** "vendor architecture description" of an adapter, or 'unnamed adapter'. */
export function describeAdapter(adapter) {
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}
