// Any picture as the ViT sees a Fashion-MNIST image. Xiao, Rasul & Vollgraf (2017) made the data
// set from product photos on white backgrounds: trim the edges whose colour is the corners', resize
// the longest side to 28 pixels, extend the shortest to 28 with the object centred, negate the
// intensities, keep 8-bit grayscale. toFashionMnist does the same to an RGBA image, negating only
// when the background is light (a photo of a dark garment on a dark table stays as it is).

const SIDE = 28;
/** The largest side a picture is decoded at before conversion: a 50-megapixel photo costs no more than a screen's worth. */
export const MAX_DECODED_SIDE = 1024;
// A pixel belongs to the object when its gray differs from the background's by more than this
// (0..1): JPEG noise and paper texture stay below it.
const TRIM_THRESHOLD = 0.08;

/** Luminance in [0, 1] (Rec. 601, as most grayscale conversions), transparent pixels over white. */
function grayOf(rgba, width, height) {
  const gray = new Float32Array(width * height);
  for (let i = 0; i < gray.length; i++) {
    const a = rgba[4 * i + 3] / 255;
    const y = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    gray[i] = a * y + (1 - a);
  }
  return gray;
}

/**
 * {image: Float32Array of 28 x 28 in [0, 1] (ink bright on black), inverted, box: {x, y, width,
 * height} (the object in the picture's pixels)} from an RGBA picture (rgba: width * height * 4
 * bytes, e.g. ImageData.data). Throws, naming the argument, on sizes that do not match.
 */
export function toFashionMnist(rgba, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`toFashionMnist: expected a positive integer width and height, got ${width} x ${height}`);
  if (!rgba || rgba.length !== width * height * 4)
    throw new Error(`toFashionMnist: rgba: expected ${width * height * 4} bytes (${width} x ${height} RGBA), got ${rgba?.length}`);
  const gray = grayOf(rgba, width, height);
  // The background: the corners' median gray (a corner may be cut by the object).
  const corners = [0, width - 1, (height - 1) * width, height * width - 1].map((i) => gray[i]).sort((a, b) => a - b);
  const background = (corners[1] + corners[2]) / 2;
  const inverted = background > 0.5;
  // Trim: the bounding box of what differs from the background.
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (Math.abs(gray[y * width + x] - background) > TRIM_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) { x0 = 0; y0 = 0; x1 = width - 1; y1 = height - 1; }  // a blank picture: all of it
  const boxW = x1 - x0 + 1, boxH = y1 - y0 + 1;
  // Longest side to 28, the other in proportion, centred on a 28 x 28 background. Each output pixel
  // averages the picture's pixels under it (an area filter: no aliasing from a large photo).
  const scale = SIDE / Math.max(boxW, boxH);
  const outW = Math.max(1, Math.round(boxW * scale)), outH = Math.max(1, Math.round(boxH * scale));
  // An odd margin puts its extra pixel first, as the data set does (in its 1,000 test images here: 321 of 324 odd
  // horizontal margins, 182 of 195 vertical).
  const left = Math.ceil((SIDE - outW) / 2), top = Math.ceil((SIDE - outH) / 2);
  const image = new Float32Array(SIDE * SIDE).fill(inverted ? 0 : background);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++) {
      const sx0 = x0 + (ox * boxW) / outW, sx1 = x0 + ((ox + 1) * boxW) / outW;
      const sy0 = y0 + (oy * boxH) / outH, sy1 = y0 + ((oy + 1) * boxH) / outH;
      let sum = 0, weight = 0;
      for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) {
        const wy = Math.min(y + 1, sy1) - Math.max(y, sy0);
        for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) {
          const w = wy * (Math.min(x + 1, sx1) - Math.max(x, sx0));
          sum += w * gray[y * width + x];
          weight += w;
        }
      }
      const g = sum / weight;
      image[(top + oy) * SIDE + left + ox] = inverted ? 1 - g : g;
    }
  // 8-bit grayscale, as the data set stores it.
  for (let i = 0; i < image.length; i++) image[i] = Math.round(255 * Math.min(1, Math.max(0, image[i]))) / 255;
  return { image, inverted, box: { x: x0, y: y0, width: boxW, height: boxH } };
}

/**
 * Decodes an image file (a File or Blob) in the browser, at most MAX_DECODED_SIDE on its longest
 * side, and converts it (toFashionMnist). Rejects with a message naming the file when the browser
 * cannot decode it. Nothing leaves the browser.
 */
export async function pictureFromFile(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name || 'the file'} is not a picture this browser can read (${file.type || 'unknown type'}): try a PNG, JPEG, GIF or WebP`);
  }
  try {
    const fit = Math.min(1, MAX_DECODED_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * fit)), height = Math.max(1, Math.round(bitmap.height * fit));
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0, width, height);
    return { ...toFashionMnist(ctx.getImageData(0, 0, width, height).data, width, height), name: file.name || 'a picture', width, height };
  } finally {
    bitmap.close();
  }
}
