// `netns-explorer trace`: traces the first packet of a connection through the host's namespaces and firewall.
import { parseArgs } from 'node:util';
import { namespaceLabel } from '../core/labels';
import { resolveNamespace } from '../core/namespaceRef';
import type { Namespace, Snapshot } from '../core/model';
import { renderTrace } from '../core/trace/render';
import { traceConnection } from '../core/trace/trace';
import type { Protocol, TraceRequest, TraceSource } from '../core/trace/types';
import { readHost } from './readHost';
import { witnessTrace } from '../host/kernel/witness';
import { renderWitness } from '../core/kernel/render';

export const TRACE_USAGE = `usage:
  netns-explorer trace --to IP:PORT [--in NS] [--from outside:IFACE|host|NS] [--proto tcp|udp] [--src IP] [--json]

  --in NS         the namespace the connection is aimed at (default: the host)
  --from SOURCE   outside:IFACE (arrives on IFACE of --in), host (sent by --in itself), or a namespace (a container)
  --to IP:PORT    destination, [v6]:PORT for IPv6
  --proto         tcp (default) or udp
  --src IP        source address of an outside client (default: the far end of IFACE when visible)
  --kernel        also ask the kernel: nft's own trace of this connection in every namespace on the path, tied
                  to the rules shown, and a diff against the model (the first line says whether they agree)
  --send          with --kernel: send one probe from the source (a TCP connect or a UDP datagram)
  --wait S        with --kernel: how long to wait for the probe's answer or your own traffic (default 10)
  plus --privilege, --docker-netns-dir, --docker-host, --timeout as for snapshot; NS may be a container name
`;

export class TraceUsageError extends Error {}

/** A namespace by id, name, label or `host` (core/namespaceRef.ts); the known labels are listed when none fits. */
export function findNamespace(snapshot: Snapshot, text: string): Namespace {
  const hit = resolveNamespace(snapshot.namespaces, text);
  if (typeof hit === 'string')
    throw new TraceUsageError(`${hit}; known: ${snapshot.namespaces.map(namespaceLabel).join(', ')}`);
  return hit;
}

export function parseEndpoint(text: string): { ip: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (!m?.[1] || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new TraceUsageError(`--to takes IP:PORT or [IPv6]:PORT, not ${text}`);
  return { ip: m[1], port };
}

export function buildRequest(
  snapshot: Snapshot,
  opts: { in?: string; from?: string; to: string; proto?: string; src?: string },
): TraceRequest {
  const target =
    opts.in !== undefined ? findNamespace(snapshot, opts.in) : snapshot.namespaces.find((n) => n.kind === 'host');
  if (!target) throw new TraceUsageError('no host namespace in the snapshot: give --in');
  const from = opts.from ?? 'host';
  let source: TraceSource;
  if (from.startsWith('outside:'))
    source = { kind: 'outside', namespace: target.id, iface: from.slice('outside:'.length) };
  else if (from === 'host') source = { kind: 'local', namespace: target.id };
  else source = { kind: 'local', namespace: findNamespace(snapshot, from).id };
  if (opts.src !== undefined) source.address = opts.src;
  if (source.kind === 'outside' && !target.interfaces.some((i) => i.name === (source as { iface: string }).iface)) {
    throw new TraceUsageError(`${namespaceLabel(target)} has no interface ${source.iface}`);
  }
  const proto = (opts.proto ?? 'tcp') as Protocol;
  if (proto !== 'tcp' && proto !== 'udp') throw new TraceUsageError('--proto takes tcp or udp');
  const to = parseEndpoint(opts.to);
  return { source, dst: to.ip, dport: to.port, protocol: proto };
}

export async function runTrace(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      in: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      proto: { type: 'string' },
      src: { type: 'string' },
      kernel: { type: 'boolean', default: false },
      send: { type: 'boolean', default: false },
      wait: { type: 'string' },
      json: { type: 'boolean', default: false },
      privilege: { type: 'string', default: 'auto' },
      'docker-netns-dir': { type: 'string', multiple: true },
      'docker-host': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(TRACE_USAGE);
    return 0;
  }
  if (values.to === undefined) throw new TraceUsageError('--to IP:PORT is required');
  const { runner, snapshot, extras } = await readHost(
    {
      privilege: values.privilege,
      timeout: values.timeout,
      dockerNetnsDirs: values['docker-netns-dir'],
      dockerHost: values['docker-host'],
    },
    { extras: true },
  );
  const request = buildRequest(snapshot, {
    in: values.in,
    from: values.from,
    to: values.to,
    proto: values.proto,
    src: values.src,
  });
  if ((values.send || values.wait !== undefined) && !values.kernel)
    throw new TraceUsageError('--send and --wait go with --kernel');
  if (values.kernel) {
    const waitS = values.wait === undefined ? 10 : Number(values.wait);
    if (!(waitS > 0 && waitS <= 300)) throw new TraceUsageError('--wait takes seconds, from 1 to 300');
    const w = await witnessTrace(runner, snapshot, extras ?? new Map(), request, {
      send: values.send ?? false,
      waitMs: waitS * 1000,
      onProgress: (text) => process.stderr.write(`netns-explorer: ${text}\n`),
    });
    const json = {
      ...w.result,
      kernel: {
        observable: w.kernel.observable,
        why: w.kernel.why,
        steps: w.kernel.steps,
        verdict: w.kernel.verdict,
        reply: w.kernel.reply,
      },
      agrees: w.comparison.agrees,
      diff: { modelOnly: w.comparison.modelOnly, kernelOnly: w.comparison.kernelOnly, verdicts: w.comparison.verdicts },
      ...(w.probe ? { probe: w.probe } : {}),
    };
    process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : renderWitness(snapshot, w));
    return 0;
  }
  const result = traceConnection(snapshot, extras ?? new Map(), request);
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderTrace(snapshot, result));
  return 0;
}
