// `netns-explorer capture -i NS:IFACE [-i NS:IFACE …] [--filter BPF] [--count N] [--duration S] -w FILE.pcapng`:
// one capture across interfaces of several namespaces, merged by time into one pcapng file, each interface named
// `namespace/interface`. A line per packet on stdout as it comes (unless --quiet); Ctrl-C stops and keeps the file.
import { parseArgs } from 'node:util';
import { showPacket, DEFAULT_LIMITS, STOP_TEXT, targetName, type CaptureLimits } from '../core/capture/session';
import { resolveSource, type ResolvedSource } from '../core/capture/targets';
import { endpoint } from '../core/net/address';
import { Capture, checkFilter } from '../host/capture';
import { HOST_READ_ARGS, readHost } from './readHost';
import { safeText } from './render';

export const CAPTURE_USAGE = `usage:
  netns-explorer capture -i NS:IFACE [-i NS:IFACE ...] [--filter BPF] [--count N] [--duration S] [--max-bytes B]
                         -w FILE.pcapng [--quiet]

  Captures packets with tcpdump on each interface (in its namespace), merged by time into one pcapng file with one
  interface block per interface, named namespace/interface (as Wireshark and tshark show them). NS as for trace: a
  container name, an ip-netns name, an id, or host. The BPF filter is checked with tcpdump -d on each interface
  before anything starts. Stops at the first limit: --count packets (default ${DEFAULT_LIMITS.packets}), --duration
  seconds (default ${DEFAULT_LIMITS.seconds}), --max-bytes captured (default ${DEFAULT_LIMITS.bytes}); or on Ctrl-C,
  which keeps the file. Prints a line per packet unless --quiet.
  --privilege, --docker-netns-dir, --docker-host and --timeout as for snapshot.
`;

export class CaptureUsageError extends Error {}

/** Set while a capture runs: Ctrl-C stops it and lets it finish its file instead of exiting at once. */
export let interruptCapture: (() => void) | null = null;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new CaptureUsageError(`--${name} takes a positive number, not ${text}`);
  return n;
}

export async function runCapture(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...HOST_READ_ARGS,
      interface: { type: 'string', short: 'i', multiple: true },
      filter: { type: 'string', default: '' },
      count: { type: 'string' },
      duration: { type: 'string' },
      'max-bytes': { type: 'string' },
      write: { type: 'string', short: 'w' },
      quiet: { type: 'boolean', short: 'q', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(CAPTURE_USAGE);
    return 0;
  }
  if (!values.interface?.length) throw new CaptureUsageError('give at least one -i NS:IFACE');
  if (values.write === undefined) throw new CaptureUsageError('give the file to write: -w FILE.pcapng');
  const limits: CaptureLimits = {
    packets: Math.floor(positive('count', values.count, DEFAULT_LIMITS.packets)),
    seconds: positive('duration', values.duration, DEFAULT_LIMITS.seconds),
    bytes: Math.floor(positive('max-bytes', values['max-bytes'], DEFAULT_LIMITS.bytes)),
  };
  const { runner, privilege, snapshot } = await readHost({
    privilege: values.privilege,
    timeout: values.timeout,
    dockerNetnsDirs: values['docker-netns-dir'],
    dockerHost: values['docker-host'],
  });
  const sources: ResolvedSource[] = [];
  for (const spec of values.interface) {
    const s = resolveSource(snapshot, spec);
    if (typeof s === 'string') throw new CaptureUsageError(s);
    if (!sources.some((o) => o.target.namespace === s.target.namespace && o.target.iface === s.target.iface))
      sources.push(s);
  }
  for (const s of sources) {
    const problem = await checkFilter(runner, s, values.filter);
    if (problem) throw new CaptureUsageError(`the filter does not compile on ${targetName(s.target)}: ${problem}`);
  }
  let firstNs: bigint | null = null;
  const targets = sources.map((s) => s.target);
  const capture = new Capture(sources, {
    filter: values.filter,
    limits,
    privilege,
    file: values.write,
    onPackets: (packets) => {
      if (values.quiet) return;
      firstNs ??= packets[0]!.tsNs;
      const lines = packets.map((p) => {
        const s = showPacket(p, targets, firstNs!);
        return `${s.no} ${s.time.toFixed(6)} ${safeText(s.where)} ${s.protocol} ${endpoint(s.src, s.sport)} → ${endpoint(s.dst, s.dport)} ${s.length} ${safeText(s.summary)}`;
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    },
  });
  interruptCapture = () => {
    interruptCapture = null;
    capture.stop('stopped');
  };
  await capture.started;
  for (const s of capture.sources) {
    if (s.error)
      process.stderr.write(`netns-explorer capture: ${safeText(targetName(s.target))}: ${safeText(s.error)}\n`);
    else if (s.listening) process.stderr.write(`listening on ${safeText(targetName(s.target))}\n`);
  }
  const summary = await capture.done;
  interruptCapture = null;
  const perSource = summary.sources
    .map(
      (s) =>
        `${safeText(targetName(s.target))} ${s.packets}${s.droppedByKernel ? ` (${s.droppedByKernel} dropped by the kernel)` : ''}`,
    )
    .join(', ');
  process.stderr.write(
    `${summary.packets} packets (${perSource}) written to ${values.write}: ${STOP_TEXT[summary.reason]}\n`,
  );
  return summary.sources.some((s) => s.error) ? 1 : 0;
}
