// Golden outputs recorded before the code-health refactor: snapshots replayed from the lab recording, every fixture
// rule's explanation and evaluation, and traces of every port mapping. A change here is a change users would see.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeConditions, explainRule } from '../../src/core/explain/rule';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { parseSs } from '../../src/core/listeners';
import type { Snapshot } from '../../src/core/model';
import { evaluateRule } from '../../src/core/trace/match';
import type { Packet } from '../../src/core/trace/packet';
import { renderTrace } from '../../src/core/trace/render';
import { traceConnection } from '../../src/core/trace/trace';
import type { NamespaceExtras } from '../../src/core/trace/types';
import { collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';

const FIXTURES = join(__dirname, '../../../test/fixtures');
const GOLDEN = join(FIXTURES, 'golden');
/** NX_GOLDEN_WRITE=1 records the files anew; only for a change meant to alter what users see. */
const WRITE = process.env.NX_GOLDEN_WRITE === '1';

function compare(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (WRITE || !existsSync(file)) {
    if (!WRITE) assert.fail(`${name} has no golden file; record it with NX_GOLDEN_WRITE=1`);
    writeFileSync(file, actual);
    return;
  }
  const expected = readFileSync(file, 'utf8');
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const at = a.findIndex((line, i) => line !== e[i]);
  assert.fail(`${name} differs from its golden file at line ${at + 1}:\n  golden: ${e[at]}\n  now:    ${a[at]}`);
}

const PACKETS: Packet[] = [
  {
    family: 'ipv4',
    protocol: 'tcp',
    src: '198.18.0.2',
    sport: 40000,
    dst: '198.18.0.1',
    dport: 6379,
    inIface: 'eth0',
    outIface: null,
    ctstate: 'NEW',
    mark: 0,
    bridged: null,
  },
  {
    family: 'ipv4',
    protocol: 'udp',
    src: '172.17.0.2',
    sport: 53000,
    dst: '127.0.0.11',
    dport: 53,
    inIface: null,
    outIface: 'lo',
    ctstate: 'NEW',
    mark: 0,
    bridged: null,
  },
  {
    family: 'ipv4',
    protocol: 'tcp',
    src: '172.17.0.3',
    sport: 40000,
    dst: '172.17.0.2',
    dport: 80,
    inIface: 'docker0',
    outIface: 'docker0',
    ctstate: 'ESTABLISHED',
    mark: 0x4000,
    bridged: { inPort: 'veth1', outPort: 'veth2' },
  },
  {
    family: 'ipv6',
    protocol: 'tcp',
    src: 'fd00::3',
    sport: 40000,
    dst: 'fd00::2',
    dport: 443,
    inIface: 'eth0',
    outIface: 'docker0',
    ctstate: 'NEW',
    mark: 0,
    bridged: null,
  },
];
const ENV = {
  addresses: ['127.0.0.1/8', '::1/128', '198.18.0.1/24', '172.17.0.1/16', 'fd00::1/64'],
  hook: 'PREROUTING',
};

describe('golden outputs (unchanged behaviour)', () => {
  it('explains and evaluates every rule of every recorded iptables fixture as before', () => {
    const dir = join(FIXTURES, 'iptables');
    const out: string[] = [];
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.txt') && !n.includes('stderr'))
      .sort()) {
      out.push(`### ${name}`);
      for (const table of parseIptablesSave(readFileSync(join(dir, name), 'utf8')).tables) {
        for (const chain of table.chains) {
          for (const rule of chain.rules) {
            out.push(
              rule.text,
              `  explain: ${explainRule(rule, { addressOwner: (ip) => (ip === '172.17.0.2' ? 'redis' : undefined) })}`,
            );
            out.push(`  conditions: ${describeConditions(rule)}`);
            for (const p of PACKETS) {
              const m = evaluateRule(rule, { ...p }, ENV);
              out.push(
                `  ${p.family} ${p.protocol} ${p.ctstate}: ${m.matched}${m.statistic ? ` stat=${m.statistic.probability}` : ''}${m.assumptions.map((a) => ` [${a}]`).join('')}`,
              );
            }
          }
        }
      }
    }
    compare('fixture-rules.txt', `${out.join('\n')}\n`);
  });

  it('replays the lab recording to the same snapshot, and traces every port mapping as before', async () => {
    const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
    const snap: Snapshot = await collectSnapshot(replay, replay.discovery);
    compare('lab-snapshot.json', `${JSON.stringify({ ...snap, takenAt: '' }, null, 1)}\n`);
    const extras = new Map<string, NamespaceExtras>(
      snap.namespaces.map((n) => [
        n.id,
        {
          listeners: parseSs('tcp LISTEN 0 511 *:80 *:* users:(("httpd",pid=42,fd=6))').listeners,
          sysctls: { 'ipv4/ip_forward': '1', 'bridge/bridge-nf-call-iptables': '1' },
          errors: [],
        },
      ]),
    );
    const out: string[] = [];
    for (const m of snap.portMappings) {
      if (typeof m.hostPort !== 'number' || m.protocol === 'sctp') continue;
      const ruleNs = snap.namespaces.find((n) => n.id === m.namespace)!;
      const v6 = m.family === 'ipv6';
      const address = (want: (i: Snapshot['namespaces'][number]['interfaces'][number]) => boolean) =>
        ruleNs.interfaces
          .filter(want)
          .flatMap((i) => i.addresses.map((a) => ({ i, a: a.split('/')[0] })))
          .find((x) => x.a.includes(':') === v6);
      const wire = address((i) => i.kind !== 'loopback' && i.kind !== 'bridge');
      const any = m.hostIp === '0.0.0.0' || m.hostIp === '::';
      const dst = any ? (wire?.a ?? (v6 ? '::1' : '127.0.0.1')) : m.hostIp;
      const proto = m.protocol as 'tcp' | 'udp';
      const requests = [
        { label: `local in ${ruleNs.name ?? ruleNs.id}`, source: { kind: 'local' as const, namespace: ruleNs.id } },
        ...(wire
          ? [
              {
                label: `outside on ${wire.i.name}`,
                source: { kind: 'outside' as const, namespace: ruleNs.id, iface: wire.i.name },
              },
            ]
          : []),
        ...snap.namespaces
          .filter((n) => n.name === 'nxl-web1' || n.name === 'nxl-db')
          .map((n) => ({ label: `local in ${n.name}`, source: { kind: 'local' as const, namespace: n.id } })),
      ];
      for (const req of requests) {
        const r = traceConnection(snap, extras, { source: req.source, dst, dport: m.hostPort, protocol: proto });
        out.push(`### ${m.rule} from ${req.label}`, renderTrace(snap, r));
      }
    }
    compare('lab-traces.txt', `${out.join('\n')}\n`);
  });
});
