// Runs a trace for the extension: reads listeners and sysctls through the runner, then traces on the current snapshot.
import type { Snapshot } from '../../core/model';
import { traceConnection } from '../../core/trace/trace';
import type { TraceRequest, TraceResult } from '../../core/trace/types';
import { runnerFor } from '../../host/privilege';
import { collectTraceExtras } from '../../host/trace/collect';
import { readSettings } from '../config';
import type { Log } from '../log';

export async function runTraceRequest(snapshot: Snapshot, request: TraceRequest, log: Log): Promise<TraceResult> {
  const settings = readSettings();
  const { runner } = await runnerFor({
    privilege: settings.privilege,
    timeoutMs: settings.commandTimeoutMs,
    onCommand: (r) => log.command(r),
  });
  const extras = await collectTraceExtras(runner, snapshot, settings.concurrency);
  return traceConnection(snapshot, extras, request);
}
