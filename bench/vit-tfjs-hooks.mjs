// Module hooks for bench/vit.mjs. @tensorflow/tfjs-core's Node bundle registers no gradient
// functions; its ES-module build (dist/**) does, in dist/register_all_gradients.js, but with
// extensionless imports in a package without "type": "module". These hooks let Node load that
// build: relative specifiers inside tfjs-core/dist resolve to "<name>.js" and load as modules.
// tfjs keeps its engine and kernel/gradient registries in a global, so the gradients registered
// by that build serve the Node bundle (and the wasm backend registered with it) as well.
const DIST = '/@tensorflow/tfjs-core/dist/';

export async function resolve(specifier, context, next) {
  if (context.parentURL?.includes(DIST) && specifier.startsWith('.') && !specifier.endsWith('.js'))
    return next(`${specifier}.js`, context);
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.includes(DIST) && !url.endsWith('tf-core.node.js')) return next(url, { ...context, format: 'module' });
  return next(url, context);
}
