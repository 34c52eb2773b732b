// Runs a trace for the extension: reads listeners and sysctls the way this window has access, then traces on the
// current snapshot.
import type { Listener } from '../../core/listeners';
import type { Snapshot } from '../../core/model';
import { traceConnection } from '../../core/trace/trace';
import type { TraceRequest, TraceResult } from '../../core/trace/types';
import type { AccessManager } from '../access';
import { readSettings } from '../config';

/** Several traces on one snapshot, with the namespaces' extras read once for all of them. */
export async function runTraceRequests(
  snapshot: Snapshot,
  requests: readonly TraceRequest[],
  access: AccessManager,
): Promise<TraceResult[]> {
  const { concurrency } = readSettings();
  const extras = await (await access.current()).access.traceExtras(snapshot, concurrency);
  return requests.map((r) => traceConnection(snapshot, extras, r));
}

export async function runTraceRequest(
  snapshot: Snapshot,
  request: TraceRequest,
  access: AccessManager,
): Promise<TraceResult> {
  return (await runTraceRequests(snapshot, [request], access))[0]!;
}

/**
 * What listens in one namespace (ss), read the way this window reads; null when it cannot be read. It goes through the
 * trace's extras, the one read the helper offers for it, so sysctls and policy rules are read along.
 */
export async function listenersIn(snapshot: Snapshot, nsId: string, access: AccessManager): Promise<Listener[] | null> {
  try {
    const extras = await (await access.current()).access.traceExtras(snapshot, 1, new Set([nsId]));
    return extras.get(nsId)?.listeners ?? null;
  } catch {
    return null;
  }
}
