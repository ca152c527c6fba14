// Draws an RL environment for the pages: the Catch board (ball and paddle on a 10 x 5 grid) or
// CartPole (cart on a track, pole at its angle). Shared by the replay and episodic pages.
const INK = '#1d2330', GRID = '#e2e0da', BALL = '#d55e00', PADDLE = '#0072b2';

export function drawBoard(canvas, env, observation) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (env === 'catch') drawCatch(ctx, W, H, observation);
  else drawCartPole(ctx, W, H, observation);
}

function drawCatch(ctx, W, H, obs) {
  const rows = 10, cols = 5, cell = Math.min(W / cols, H / rows);
  const x0 = (W - cell * cols) / 2, y0 = (H - cell * rows) / 2;
  ctx.strokeStyle = GRID;
  for (let r = 0; r <= rows; r++) line(ctx, x0, y0 + r * cell, x0 + cols * cell, y0 + r * cell);
  for (let c = 0; c <= cols; c++) line(ctx, x0 + c * cell, y0, x0 + c * cell, y0 + rows * cell);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      if (!obs[r * cols + c]) continue;
      // The runner starts a new game as soon as the ball lands, so the bottom row is the paddle's.
      if (r === rows - 1) {
        ctx.fillStyle = PADDLE;
        ctx.fillRect(x0 + c * cell + 3, y0 + r * cell + cell * 0.55, cell - 6, cell * 0.3);
      } else {
        ctx.fillStyle = BALL;
        ctx.beginPath();
        ctx.arc(x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell, cell * 0.32, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
}

function drawCartPole(ctx, W, H, s) {
  const [x, , theta] = s;
  const scale = W / 5.6;  // the track spans x in [-2.4, 2.4] plus margins
  const ground = H * 0.72, cx = W / 2 + x * scale;
  ctx.strokeStyle = INK;
  ctx.lineWidth = 2;
  line(ctx, W / 2 - 2.4 * scale, ground, W / 2 + 2.4 * scale, ground);
  ctx.fillStyle = PADDLE;
  ctx.fillRect(cx - 22, ground - 14, 44, 20);
  const len = scale * 1.0;  // the pole is 1 m long (half-length 0.5 m)
  ctx.strokeStyle = BALL;
  ctx.lineWidth = 6;
  ctx.lineCap = 'round';
  line(ctx, cx, ground - 14, cx + len * Math.sin(theta), ground - 14 - len * Math.cos(theta));
  ctx.lineWidth = 1;
}

function line(ctx, x1, y1, x2, y2) {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}

/** A one-line description for screen readers. */
export function describeBoard(env, obs) {
  if (env === 'catch') {
    let ball = null, paddle = null;
    for (let i = 0; i < 50; i++) {
      if (!obs[i]) continue;
      const r = Math.floor(i / 5), c = i % 5;
      if (r === 9) paddle = c; else ball = [r, c];
    }
    return ball ? `ball in row ${ball[0] + 1}, column ${ball[1] + 1}; paddle in column ${paddle + 1}` :
      `paddle in column ${paddle + 1}`;
  }
  return `cart at ${obs[0].toFixed(2)} m, pole at ${(obs[2] * 180 / Math.PI).toFixed(1)} degrees`;
}
