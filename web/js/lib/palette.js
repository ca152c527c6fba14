// Okabe & Ito's colour-blind-safe palette (2008), as RGB triples and CSS colours.
export const CLASS_RGB = [
  [230, 159, 0],   // orange
  [86, 180, 233],  // sky blue
  [0, 158, 115],   // bluish green
  [204, 121, 167], // reddish purple
  [0, 114, 178],   // blue
  [213, 94, 0],    // vermillion
  [240, 228, 66],  // yellow
  [120, 120, 120], // grey
];
export const classColor = (c, alpha = 1) => `rgba(${CLASS_RGB[c % CLASS_RGB.length].join(',')},${alpha})`;
