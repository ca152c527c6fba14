// A replica for data-parallel training (./replicas.js): a worker of the job's worker with a wasm
// instance of its own and a copy of the model. Per step it takes the owner's weights, computes
// the gradient of its share of the batch and sends it back; it never steps itself. An evaluation's
// forward passes split the same way (LFADS).
//
// owner -> replica: {type: 'init', lab, config} | {type: 'gradient', id, params, share, batch}
//                   | {type: 'infer', id, params, spikes, trials} | {type: 'counts', id}
// replica -> owner: {type: 'ready'} | {id, loss, gradients, parts?} | {id, logRates, factors} | {id, heapBytes} | {id?, error}
import createNeuroAI from '../../wasm/neuroai.mjs';

// The labs whose step splits into shares (beginStep, batchShare, accumulate, replicaGradient, ...).
const LABS = ['VitLab', 'PredNetLab', 'LfadsLab'];
let neuroai = null;
let lab = null;

self.onmessage = async ({ data: m }) => {
  try {
    if (m.type === 'init') {
      if (!LABS.includes(m.lab)) throw new Error(`replica: lab: expected one of ${LABS.join(', ')}, got '${m.lab}'`);
      neuroai ??= await createNeuroAI();
      lab?.delete();
      lab = new neuroai[m.lab](m.config);
      self.postMessage({ type: 'ready' });
    } else if (m.type === 'gradient') {
      lab.setParameters(m.params);
      const r = lab.replicaGradient(m.share, m.batch);
      // The whole answer: a lab may report its loss in parts too (LFADS: total, reconstruction, KL terms).
      self.postMessage({ id: m.id, ...r }, [r.gradients.buffer]);
    } else if (m.type === 'infer') {
      // A share of an evaluation's trials (replicas.js parallelInfer): the read-outs, with the owner's weights.
      if (typeof lab.inferOutputs !== 'function') throw new Error(`replica: ${m.type}: this lab has no inferOutputs`);
      lab.setParameters(m.params);
      const r = lab.inferOutputs(m.spikes, m.trials);
      self.postMessage({ id: m.id, ...r }, [r.logRates.buffer, r.factors.buffer]);
    } else if (m.type === 'counts') {
      self.postMessage({ id: m.id, heapBytes: neuroai?.HEAP8?.buffer.byteLength ?? 0 });
    }
  } catch (error) {
    self.postMessage({ type: m.type === 'init' ? 'failed' : undefined, id: m.id, error: error.message });
  }
};
