// The one way a job fetches a shipped file (weights, data subsets, baselines).

/**
 * The bytes of the file at `url` (a Uint8Array), or an Error naming the file and the reason
 * (HTTP status, network): a job decides whether it can go on without the file.
 */
export async function fetchBytes(url) {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return new Error(`could not load ${new URL(url).pathname.split('/').slice(-2).join('/')}: ${error.message}`);
  }
}
