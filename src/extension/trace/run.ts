// Runs a trace for the extension: reads listeners and sysctls the way this window has access, then traces on the
// current snapshot.
import type { Snapshot } from '../../core/model';
import { traceConnection } from '../../core/trace/trace';
import type { TraceRequest, TraceResult } from '../../core/trace/types';
import type { AccessManager } from '../access';
import { readSettings } from '../config';

export async function runTraceRequest(
  snapshot: Snapshot,
  request: TraceRequest,
  access: AccessManager,
): Promise<TraceResult> {
  const { concurrency } = readSettings();
  const extras = await (await access.current()).access.traceExtras(snapshot, concurrency);
  return traceConnection(snapshot, extras, request);
}
