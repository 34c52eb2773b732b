// The matrix on every core: rows dealt out to worker threads (dist/reachWorker.js), each tracing its share from a copy
// of the snapshot. Also keeps a long matrix off the extension host's thread. Small matrices, or a build without the
// worker file, are traced in this thread.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NamespaceId, Snapshot } from '../../core/model';
import { computeCells, type ReachCell, type ReachMatrix } from '../../core/reach/matrix';
import { reachColumns, reachRows, type ReachColumn, type ReachRow, type ReachScope } from '../../core/reach/targets';
import type { NamespaceExtras } from '../../core/trace/types';

export interface WorkerInput {
  snapshot: Snapshot;
  extras: [NamespaceId, NamespaceExtras][];
  rows: ReachRow[];
  columns: ReachColumn[];
  first: number;
  stride: number;
}

/** Below this many cells a worker's start-up and copying cost more than they save. */
const PARALLEL_FROM = 3000;
const WORKER_FILE = 'reachWorker.js';

/** dist/reachWorker.js beside the running bundle (dist/), or under the repository's dist/ (tests run from out/). */
export function workerFile(from: string = __dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    for (const candidate of [join(dir, WORKER_FILE), join(dir, 'dist', WORKER_FILE)])
      if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, 'package.json')) || dirname(dir) === dir) return null;
  }
}

function runWorker(file: string, input: WorkerInput): Promise<ReachCell[]> {
  return new Promise((resolve, reject) => {
    // A larger young generation: tracing makes many short-lived objects, and the default one collects too often.
    const worker = new Worker(file, { workerData: input, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    worker.once('message', (cells: ReachCell[]) => resolve(cells));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`reachability worker exited with ${code}`));
    });
  });
}

export interface ParallelOptions {
  /** Threads to use; default: the cores available. */
  workers?: number;
  /** The worker script; found beside the bundle by default. */
  file?: string | null;
}

export async function computeMatrixParallel(
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  scope: ReachScope = {},
  options: ParallelOptions = {},
): Promise<ReachMatrix> {
  const rows = reachRows(snapshot, scope);
  const columns = reachColumns(snapshot, extras, scope);
  const count = Math.min(options.workers ?? availableParallelism(), rows.length);
  const file = options.file === undefined ? workerFile() : options.file;
  if (file === null || count < 2 || rows.length * columns.length < PARALLEL_FROM)
    return { rows, columns, cells: computeCells(snapshot, extras, rows, columns) };
  const shared = { snapshot, extras: [...extras], rows, columns, stride: count };
  const parts = await Promise.all(Array.from({ length: count }, (_, first) => runWorker(file, { ...shared, first })));
  const cells = parts.flat().sort((a, b) => a.row - b.row || a.column - b.column);
  return { rows, columns, cells };
}
