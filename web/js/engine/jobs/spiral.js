// Worker-side job: the spiral MLP. Trains in small chunks and snapshots the decision surface.
export const name = 'spiral';

const GRID = 64;      // decision surface resolution (GRID x GRID)
const EXTENT = 1.2;   // the surface covers [-EXTENT, EXTENT]^2

/** @param {object} neuroai the wasm module; @param {object} config SpiralLab config */
export function create(neuroai, config) {
  const model = new neuroai.SpiralLab(config);
  let recentLoss = NaN;
  let stepsAtLastSnapshot = 0;
  let timeAtLastSnapshot = performance.now();

  return {
    describe: () => ({
      classes: model.classes(),
      points: model.points(),
      labels: model.labels(),
      grid: GRID,
      extent: EXTENT,
    }),
    chunk: 5,  // steps per call when training flat out (each step takes ~0.1 ms)
    train(steps) {
      recentLoss = model.trainSteps(steps);
    },
    snapshot() {
      const grid = model.decisionGrid(GRID, EXTENT);
      const now = performance.now();
      const step = model.steps();
      const stepsPerSecond = (step - stepsAtLastSnapshot) / Math.max(1e-3, (now - timeAtLastSnapshot) / 1000);
      stepsAtLastSnapshot = step;
      timeAtLastSnapshot = now;
      return {
        data: { step, loss: recentLoss, fullLoss: model.loss(), accuracy: model.accuracy(), stepsPerSecond, grid },
        transfer: [grid.buffer],
      };
    },
    calls: {
      exportWeights: () => {
        const bytes = model.exportWeights();
        return { result: bytes, transfer: [bytes.buffer] };
      },
      loadWeights: (bytes) => {
        model.loadWeights(bytes);
        return { result: true };
      },
    },
    dispose: () => model.delete(),
  };
}
