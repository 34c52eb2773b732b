// `trace --kernel`'s benchmark: on the trace lab, from sending the probe to the kernel's first trace event, and the
// whole run (tables in, monitors, probe, tables out), a few times each.
import { buildRequest } from '../src/cli/trace';
import { collectSnapshot } from '../src/host/collect';
import { discoverNamespaces } from '../src/host/discovery';
import { witnessTrace } from '../src/host/kernel/witness';
import { ExecRunner } from '../src/host/runner';
import { collectTraceExtras } from '../src/host/trace/collect';
import { traceLabDown, traceLabUp } from '../test/lab/traceScenarios';
import type { ReachBenchIo } from './reach';
import { median, spreadOf } from './stats';

export async function kernelSection(io: ReachBenchIo): Promise<void> {
  await traceLabUp();
  try {
    const runner = new ExecRunner({ timeoutMs: 60_000 });
    const discovery = await discoverNamespaces();
    const [snapshot, extras] = await Promise.all([
      collectSnapshot(runner, discovery),
      collectTraceExtras(runner, discovery),
    ]);
    const request = buildRequest(snapshot, { in: 'nxt-host', from: 'outside:eth0', to: '198.19.0.1:8080' });
    const first: number[] = [];
    const whole: number[] = [];
    for (let i = 0; i < (io.quick ? 3 : 7); i++) {
      const start = performance.now();
      const w = await witnessTrace(runner, snapshot, extras, request, { send: true, waitMs: 5000 });
      whole.push(performance.now() - start);
      if (!w.comparison.agrees || w.firstEventMs === null) throw new Error(`kernel trace: ${w.comparison.summary}`);
      first.push(w.firstEventMs);
    }
    io.record({
      section: 'kernel',
      case: 'lab: probe sent → first kernel step',
      value: io.ms(median(first)),
      spread: spreadOf(first, io.ms),
      ratio: null,
      baseline: '',
      target: '< 1 s',
      met: first.every((t) => t < 1000),
    });
    io.record({
      section: 'kernel',
      case: 'lab: whole trace --kernel --send (read excluded)',
      value: io.ms(median(whole)),
      spread: spreadOf(whole, io.ms),
      ratio: null,
      baseline: '',
      target: '',
      met: null,
    });
  } finally {
    await traceLabDown();
  }
}
