// Draws the maze: walls, MFEC's best stored value per cell (viridis; blank where nothing is
// stored), the goal, the agent, and MFEC's lookup for the current state: the neighbours used for
// the chosen action ringed with their stored returns, the entry that decided it marked.
import { COLORMAPS } from '../../lib/colormaps.js';

const WALL = '#2b303b', GOAL = '#e69f00', AGENT = '#ffffff', RING = '#d55e00';
const ARROWS = [[0, -1], [1, 0], [0, 1], [-1, 0]];  // up, right, down, left as (dx, dy)

export function drawMaze(canvas, maze, observation, memory, decision) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, cell = Math.min(W / maze.width, H / maze.height);
  const cells = maze.width * maze.height;
  ctx.clearRect(0, 0, W, H);
  let lo = Infinity, hi = -Infinity;
  if (memory) for (const v of memory) if (!Number.isNaN(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const agent = observation.indexOf(1), goal = observation.subarray(cells).indexOf(1);
  for (let i = 0; i < cells; i++) {
    const x = (i % maze.width) * cell, y = Math.floor(i / maze.width) * cell;
    if (maze.walls[i]) {
      ctx.fillStyle = WALL;
    } else if (memory && !Number.isNaN(memory[i])) {
      const t = hi > lo ? (memory[i] - lo) / (hi - lo) : 1;
      const k = 3 * Math.round(t * 255);
      ctx.fillStyle = `rgb(${COLORMAPS.viridis[k]},${COLORMAPS.viridis[k + 1]},${COLORMAPS.viridis[k + 2]})`;
    } else {
      ctx.fillStyle = '#f7f6f2';
    }
    ctx.fillRect(x, y, cell, cell);
    ctx.strokeStyle = '#e2e0da';
    ctx.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
  }
  const center = (i) => [((i % maze.width) + 0.5) * cell, (Math.floor(i / maze.width) + 0.5) * cell];
  // The goal: a flag-like diamond.
  const [gx, gy] = center(goal);
  ctx.fillStyle = GOAL;
  ctx.beginPath();
  ctx.moveTo(gx, gy - cell * 0.35); ctx.lineTo(gx + cell * 0.35, gy); ctx.lineTo(gx, gy + cell * 0.35); ctx.lineTo(gx - cell * 0.35, gy);
  ctx.fill();
  ctx.strokeStyle = WALL;
  ctx.stroke();
  // The lookup behind the greedy action: neighbours ringed, the deciding entry double-ringed.
  const lookup = decision?.lookups[decision.greedy];
  ctx.font = `${Math.round(cell * 0.22)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  if (lookup && lookup.tags.length) {
    const seen = new Set();
    lookup.tags.forEach((tag, n) => {
      if (tag < 0 || seen.has(tag)) return;
      seen.add(tag);
      const [x, y] = center(tag);
      ctx.strokeStyle = RING;
      ctx.lineWidth = tag === lookup.decided ? 4 : 2;
      ctx.beginPath();
      ctx.arc(x, y, cell * 0.42, 0, 2 * Math.PI);
      ctx.stroke();
      if (tag === lookup.decided) {
        ctx.beginPath();
        ctx.arc(x, y, cell * 0.48, 0, 2 * Math.PI);
        ctx.stroke();
      }
      // The stored return, on a white tab at the bottom of the cell.
      const label = lookup.values[n].toFixed(2), w = ctx.measureText(label).width + 6, ty = y + cell * 0.5 - cell * 0.13;
      ctx.fillStyle = 'rgba(255,255,255,0.9)';
      ctx.fillRect(x - w / 2, ty - cell * 0.12, w, cell * 0.24);
      ctx.fillStyle = '#111';
      ctx.fillText(label, x, ty);
    });
    ctx.lineWidth = 1;
  }
  // The agent, with an arrow for each action scaled by its estimated value.
  const [ax, ay] = center(agent);
  ctx.fillStyle = AGENT;
  ctx.strokeStyle = WALL;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(ax, ay, cell * 0.22, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
  if (decision) {
    ARROWS.forEach(([dx, dy], a) => {
      const len = cell * (a === decision.greedy ? 0.45 : 0.3);
      ctx.strokeStyle = a === decision.greedy ? RING : '#8a909c';
      ctx.lineWidth = a === decision.greedy ? 3 : 1.5;
      ctx.beginPath();
      ctx.moveTo(ax + dx * cell * 0.22, ay + dy * cell * 0.22);
      ctx.lineTo(ax + dx * len, ay + dy * len);
      ctx.stroke();
    });
  }
  ctx.lineWidth = 1;
}

export const ACTION_NAMES = ['up', 'right', 'down', 'left'];

/** A sentence for screen readers about the MFEC map. */
export function describeMaze(maze, observation, decision) {
  const agent = observation.indexOf(1);
  const row = Math.floor(agent / maze.width), col = agent % maze.width;
  if (!decision) return `The agent is at row ${row}, column ${col}.`;
  const l = decision.lookups[decision.greedy];
  const how = !l || !l.tags.length ? 'with an empty memory, at random' :
    l.exact ? `from an exact memory of this state (return ${l.values[0].toFixed(2)})` :
    `from the ${l.tags.length} most similar stored states (mean return ${(l.values.reduce((a, b) => a + b, 0) / l.values.length).toFixed(2)})`;
  return `The agent is at row ${row}, column ${col}; it would go ${ACTION_NAMES[decision.greedy]}, ${how}.`;
}
