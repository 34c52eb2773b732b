// A worker thread of the reachability matrix: traces the rows it is given (every `stride`-th from `first`) and posts
// the cells back. Built to dist/reachWorker.js.
import { parentPort, workerData } from 'node:worker_threads';
import { computeCells } from '../../core/reach/matrix';
import type { WorkerInput } from './parallel';

const input = workerData as WorkerInput;
const cells = computeCells(
  input.snapshot,
  new Map(input.extras),
  input.rows,
  input.columns,
  (r) => r % input.stride === input.first,
);
parentPort?.postMessage(cells);
