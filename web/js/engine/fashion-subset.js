// The Fashion-MNIST subset of the attention and PredNet jobs, as the site ships it: its two splits
// in files of their own (tools/assemble-site.mjs), named with their image counts in
// fashion-subset.json, so that a page fetches the held-out images it shows at once and the
// training images (four fifths of the bytes) only when it trains.
import { fetchBytes } from './fetch-bytes.js';

const DIR = new URL('../../assets/vit/', import.meta.url);

/** {rows, cols, train: {file, images, bytes}, test: {...}}, or an Error naming the file and the reason. */
export async function fetchFashionManifest() {
  const bytes = await fetchBytes(new URL('fashion-subset.json', DIR));
  if (bytes instanceof Error) return bytes;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return new Error(`vit/fashion-subset.json: ${error.message}`);
  }
}

/** The bytes of one split's file ('train' or 'test'), or an Error naming the file and the reason (fetchBytes). */
export function fetchFashionSplit(split) {
  if (split !== 'train' && split !== 'test') throw new Error(`fetchFashionSplit: split: expected 'train' or 'test', got '${split}'`);
  return fetchBytes(new URL(`fashion-${split}.bin`, DIR));
}

/** A split's file decoded by the module: {rows, cols, classNames, count, pixels, labels}; throws what fetching or decoding met. */
export function decodeFashionSplit(neuroai, bytes, split) {
  if (bytes instanceof Error) throw bytes;
  const subset = neuroai.decodeFashionSubset(bytes);
  return { rows: subset.rows, cols: subset.cols, classNames: subset.classNames, ...subset[split] };
}
