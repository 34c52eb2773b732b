// The trace against the real kernel: each scenario's trace verdict is compared with real traffic, and a few with nft's
// own trace.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Snapshot } from '../../src/core/model';
import { nsLabel } from '../../src/core/trace/engine';
import { traceConnection } from '../../src/core/trace/trace';
import type { NamespaceExtras, RuleLink, TraceResult } from '../../src/core/trace/types';
import { buildRequest } from '../../src/cli/trace';
import { collectSnapshot } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import { ExecRunner, watchLines } from '../../src/host/runner';
import { collectTraceExtras } from '../../src/host/trace/collect';
import { LAB_DOCKER_NETNS_DIR, labDown, labUp } from '../lab/lab';
import { hostOf, nftLabDown, nftLabUp, type Shape } from '../lab/nftLab';
import { ASYMMETRIC, probe, traceLabDown, traceLabUp, type ProbeOutcome } from '../lab/traceScenarios';
import { REPO, requireRoot, runCli } from './helpers';

interface Scenario {
  title: string;
  /** `ip netns` name the real client runs in. */
  client: string;
  in: string;
  from: string;
  to: string;
  proto?: 'tcp' | 'udp';
  /** Compare the chains visited with `nft monitor trace` in this namespace. */
  kernelTrace?: string;
  /** Confirm a predicted rule drop by that rule's packet counter in this namespace (iptables-save -c). */
  counterCheck?: string;
  /** Connections to make (a statistic service needs several). */
  tries?: number;
  /** Why the trace cannot agree here; the trace must say it is uncertain. */
  cannotAgree?: string;
  /** More to check on the trace itself (the reply's verdict, say). */
  check?: (r: TraceResult, snapshot: Snapshot) => void;
}

const OUT = 'outside:eth0';
const SCENARIOS: Scenario[] = [
  {
    title: 'published port from outside',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8080',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'published port from the host itself (nat OUTPUT)',
    client: 'nxt-host',
    in: 'nxt-host',
    from: 'host',
    to: '198.19.0.1:8080',
  },
  {
    title: 'host to 127.0.0.1 on a published port: docker-proxy answers',
    client: 'nxt-host',
    in: 'nxt-host',
    from: 'host',
    to: '127.0.0.1:8080',
  },
  {
    title: 'hairpin: container to its own published port (docker-proxy answers)',
    client: 'nxt-a',
    in: 'nxt-host',
    from: 'nxt-a',
    to: '198.19.0.1:8080',
  },
  {
    title: 'hairpin to a published port without a proxy',
    client: 'nxt-b',
    in: 'nxt-host',
    from: 'nxt-b',
    to: '198.19.0.1:8081',
  },
  {
    title: 'DOCKER-USER DROP rule for the outside',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8081',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'same mapping from the host (DOCKER-USER is not on its path)',
    client: 'nxt-host',
    in: 'nxt-host',
    from: 'host',
    to: '198.19.0.1:8081',
  },
  {
    title: 'direct access to a container address from outside (raw DROP)',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '10.77.0.2:80',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'unpublished container port on Docker 28 rules (filter DOCKER DROP)',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '10.78.0.2:80',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'wrong protocol: UDP to a TCP mapping',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8080',
    proto: 'udp',
  },
  {
    title: 'wrong protocol: TCP to a UDP mapping',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:5353',
  },
  { title: 'UDP mapping', client: 'nxt-out', in: 'nxt-host', from: OUT, to: '198.19.0.1:5353', proto: 'udp' },
  {
    title: 'mapping bound to 127.0.0.1, from outside',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8443',
  },
  {
    title: 'mapping bound to 127.0.0.1, from the host (OUTPUT skips 127.0.0.0/8)',
    client: 'nxt-host',
    in: 'nxt-host',
    from: 'host',
    to: '127.0.0.1:8443',
  },
  {
    title: 'DNAT of 127.0.0.1 without route_localnet',
    client: 'nxt-host',
    in: 'nxt-host',
    from: 'host',
    to: '127.0.0.1:8445',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'DNAT of 127.0.0.1 with route_localnet and MASQUERADE',
    client: 'nxt-host',
    in: 'nxt-host',
    from: 'host',
    to: '127.0.0.1:8446',
  },
  {
    title: 'martian destination: 127.0.0.1 from the wire, no DNAT for it',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '127.0.0.1:9999',
    kernelTrace: 'nxt-host',
  },
  {
    title: "127.0.0.1 from the wire caught by Docker's LOCAL jump: reaches the container, the reply is a martian",
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '127.0.0.1:8080',
  },
  {
    title: 'martian destination: DNAT to 127.0.0.1 in PREROUTING without route_localnet',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8449',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'conntrack: DOCKER-USER drops by the original port (--ctorigdstport)',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8082',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'conntrack: DOCKER-USER accepts what was DNATed (--ctstate DNAT)',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8083',
  },
  {
    title: "policy routing: the container's reply is routed by table 107 (ip rule from 10.77.0.7), a blackhole",
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8084',
  },
  {
    title: 'hairpin: a container to its own service, hairpin off on its bridge port (br_netfilter)',
    client: 'nxt-a',
    in: 'nxt-host',
    from: 'nxt-a',
    to: '198.19.0.1:8085',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'hairpin: a container to its own service, hairpin on',
    client: 'nxt-b',
    in: 'nxt-host',
    from: 'nxt-b',
    to: '198.19.0.1:8086',
  },
  {
    title: 'container to container on one bridge (br_netfilter)',
    client: 'nxt-a',
    in: 'nxt-host',
    from: 'nxt-a',
    to: '10.77.0.3:80',
    kernelTrace: 'nxt-host',
  },
  {
    title: 'across two bridges (isolation chains)',
    client: 'nxt-a',
    in: 'nxt-host',
    from: 'nxt-a',
    to: '10.78.0.2:80',
    // nft's trace loses a frame br_netfilter routes across bridges: the DROP rule's counter confirms it instead.
    counterCheck: 'nxt-host',
  },
  { title: 'IPv6 mapping from outside', client: 'nxt-out', in: 'nxt-host', from: OUT, to: '[fd00:79::1]:8080' },
  {
    title: 'nothing listening behind a correct DNAT',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:8090',
  },
  {
    title: 'statistic-balanced service (two backends)',
    client: 'nxt-out',
    in: 'nxt-host',
    from: OUT,
    to: '198.19.0.1:9000',
    tries: 16,
  },
  {
    title: 'owner match the trace cannot evaluate',
    client: 'nxt-host',
    in: 'nxt-host',
    from: 'host',
    to: '198.19.0.1:8447',
    cannotAgree:
      "the rule matches the sending process's uid (-m owner), which a trace of a packet cannot know; it assumes no match",
  },
  {
    title: 'shared lab: published port from outside',
    client: 'nxl-out',
    in: 'nxl-host',
    from: OUT,
    to: '198.18.0.1:8080',
  },
  {
    title: 'shared lab: mapping bound to the uplink address',
    client: 'nxl-out',
    in: 'nxl-host',
    from: OUT,
    to: '198.18.0.1:9090',
  },
  { title: 'shared lab: port range mapping', client: 'nxl-out', in: 'nxl-host', from: OUT, to: '198.18.0.1:30005' },
  { title: 'shared lab: IPv6 mapping', client: 'nxl-out', in: 'nxl-host', from: OUT, to: '[fd00:6e79::1]:8080' },
  {
    title: 'shared lab: host to 127.0.0.1 with no userland proxy',
    client: 'nxl-host',
    in: 'nxl-host',
    from: 'host',
    to: '127.0.0.1:8080',
  },
  {
    title: 'shared lab: hairpin with no userland proxy',
    client: 'nxl-web1',
    in: 'nxl-host',
    from: 'nxl-web1',
    to: '198.18.0.1:8080',
  },
];

/** Untracked packets (issue 24): a NOTRACK rule in raw defeats a mapping; the SYN reaches the host's INPUT instead. */
SCENARIOS.push({
  title: 'a NOTRACK rule ahead of a mapping: the SYN is not DNATed, and INPUT rejects it on the host',
  client: 'nxt-out',
  in: 'nxt-host',
  from: OUT,
  to: '198.19.0.1:8091',
  kernelTrace: 'nxt-host',
});

/** The reply walks back (issue 24): a reply rejected in FORWARD, with the request delivered. */
SCENARIOS.push({
  title: 'the reply is rejected in FORWARD: the request arrives, the connection times out',
  client: 'nxt-out',
  in: 'nxt-host',
  from: OUT,
  to: '198.19.0.1:8092',
  check: (r, snapshot) => {
    assert.equal(r.verdict.kind, 'delivered', 'the first packet reaches nxt-h');
    assert.notEqual(r.reply?.kind, 'delivered');
    assert.equal(r.reply?.namespace, snapshot.namespaces.find((n) => n.name === 'nxt-host')?.id);
    assert.equal(r.connected, false);
    const json = JSON.parse(JSON.stringify(r)) as TraceResult;
    assert.equal(json.verdict.kind, 'delivered');
    assert.match(json.reply && 'rule' in json.reply ? (json.reply.rule?.chain ?? '') : '', /^DOCKER-USER$/);
  },
});
SCENARIOS.push({
  title: 'an asymmetric route: the reply comes back over another link, and strict rp_filter drops it',
  client: ASYMMETRIC.client,
  in: ASYMMETRIC.client,
  from: 'host',
  to: `${ASYMMETRIC.serverIp}:80`,
  check: (r, snapshot) => {
    assert.equal(r.verdict.kind, 'delivered', 'the request reaches the server');
    assert.equal(r.reply?.kind, 'dropped');
    assert.equal(r.reply?.namespace, snapshot.namespaces.find((n) => n.name === ASYMMETRIC.router)?.id);
    assert.match(r.summary, /rp_filter on eth2/);
  },
});
SCENARIOS.push({
  title: "the reply needs the mapping's un-DNAT to reach the client",
  client: 'nxt-out',
  in: 'nxt-host',
  from: OUT,
  to: '198.19.0.1:8080',
  check: (r) => {
    assert.equal(r.reply?.kind, 'delivered');
    assert.ok(
      r.outcomes[0]?.reply?.steps.some((s) =>
        /the earlier DNAT is undone, source back to 198\.19\.0\.1:8080/.test(s.text),
      ),
      'the reply is un-DNATed to the address the client dialled',
    );
  },
});

/** The native-nftables hosts (test/lab/nftLab.ts): Docker 29, kube-proxy, Netavark, firewalld, and a mixed host. */
const nftScenario = (shape: Shape, title: string, to: string, extra: Partial<Scenario> = {}): Scenario => ({
  title: `nft ${shape}: ${title}`,
  client: hostOf(shape).out,
  in: hostOf(shape).host,
  from: OUT,
  to,
  ...extra,
});
const NFT_SCENARIOS: Scenario[] = [
  nftScenario('d29', 'Docker 29 publishes 8080 through its verdict maps', '198.19.21.1:8080', {
    kernelTrace: 'nxn-d29',
  }),
  nftScenario('d29', 'direct access to an unpublished container is dropped in raw', '10.90.1.3:80', {
    kernelTrace: 'nxn-d29',
  }),
  nftScenario('d29', 'a port no rule maps reaches the host itself', '198.19.21.1:9999'),
  {
    ...nftScenario('d29', 'the host to its own published port (nat-OUTPUT)', '198.19.21.1:8080'),
    client: 'nxn-d29',
    from: 'host',
  },
  nftScenario('kp', 'a ClusterIP: numgen picks one of two endpoints', '10.96.0.10:80', { tries: 16 }),
  nftScenario('kp', 'a NodePort through the service-nodeports verdict map', '198.19.22.1:30080', { tries: 16 }),
  nftScenario('kp', 'a service without endpoints is rejected', '10.96.0.11:80', { kernelTrace: 'nxn-kp' }),
  nftScenario('nv', 'Netavark publishes 8081', '198.19.23.1:8081', { kernelTrace: 'nxn-nv' }),
  nftScenario('nv', 'a port nothing maps: refused by the host', '198.19.23.1:8089'),
  {
    ...nftScenario('nv', 'a container reaches the outside, masqueraded', '198.19.23.2:7000'),
    client: 'nxn-nv-c1',
    from: 'nxn-nv-c1',
  },
  nftScenario('fw', 'a firewalld forward-port', '198.19.24.1:8082', { kernelTrace: 'nxn-fw' }),
  nftScenario('fw', 'the public zone rejects a host port (admin-prohibited)', '198.19.24.1:9999'),
  nftScenario('fw', 'the public zone rejects forwarding to a container', '10.90.4.2:80'),
  nftScenario('mx', 'an iptables-nft DNAT, native chains let it through', '198.19.25.1:8083'),
  nftScenario('mx', 'iptables accepts, an accept in one native chain, a drop in a later one', '198.19.25.1:8084', {
    kernelTrace: 'nxn-mx',
  }),
  nftScenario('mx', 'a native drop before NAT that the iptables rules alone would accept', '198.19.25.1:8085', {
    kernelTrace: 'nxn-mx',
  }),
  nftScenario('mx', "a native notrack defeats iptables' DNAT: the host itself refuses", '198.19.25.1:8086', {
    kernelTrace: 'nxn-mx',
  }),
];

const ALL = [...SCENARIOS, ...NFT_SCENARIOS];

interface Row {
  title: string;
  trace: string;
  real: string;
  agree: boolean;
  uncertain: boolean;
  note: string;
}

/** What the trace predicts a client sees: `answered by NAME:PORT`, `refused`, `timeout`. */
function expected(snapshot: Snapshot, r: TraceResult): string[] {
  return [
    ...new Set(
      r.outcomes.map((o) => {
        const v = o.verdict;
        // A request that arrives but whose reply is lost is a connection that times out.
        if (v.kind === 'delivered' && o.reply && !o.reply.delivered) return 'timeout';
        switch (v.kind) {
          case 'delivered':
            return v.process === 'docker-proxy'
              ? 'answered by docker-proxy'
              : `answered by ${nsLabel(snapshot, v.namespace)}:${v.port}`;
          case 'refused':
            return 'refused';
          case 'dropped':
            return 'timeout';
          case 'unreachable':
            return 'unreachable';
          case 'left':
            return 'left';
        }
      }),
    ),
  ].sort();
}

/** The real outcome in the same words; servers answer `nxl:NAME:PORT`, docker-proxy with its port only. */
function observed(o: ProbeOutcome): string {
  if (o.outcome === 'answered') {
    const [, name = '?', port = ''] = (o.line ?? '').split(':');
    return name === 'docker-proxy' ? 'answered by docker-proxy' : `answered by ${name}:${port}`;
  }
  if (o.outcome === 'error' && /EHOSTUNREACH|ENETUNREACH/.test(o.code ?? '')) return 'unreachable';
  return o.outcome === 'error' ? `error ${o.code}` : o.outcome;
}

function agrees(predicted: string[], seen: string[]): boolean {
  const norm = (s: string) =>
    s === 'unreachable'
      ? 'timeout-or-unreachable'
      : s === 'timeout' && predicted.includes('unreachable')
        ? 'timeout-or-unreachable'
        : s;
  const a = new Set(predicted.map(norm));
  const b = new Set(seen.map(norm));
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** How `nft monitor trace` names a chain: `ip nat PREROUTING`, `inet firewalld filter_INPUT`. */
function chainKey(rule: RuleLink): string {
  // nft's rule links carry the table with its family; iptables' tables are the ip/ip6 tables of that name.
  return rule.family === 'all'
    ? `${rule.table} ${rule.chain}`
    : `${rule.family === 'ipv6' ? 'ip6' : 'ip'} ${rule.table} ${rule.chain}`;
}

/** The chains where a rule matched or a policy applied, consecutive repeats merged: what `nft monitor trace` lists. */
function traceChains(r: TraceResult, nsId: string): string[] {
  const out: string[] = [];
  for (const s of r.outcomes[0]?.steps ?? []) {
    if (s.namespace !== nsId) continue;
    let key: string | null = null;
    if (s.rule && (s.kind === 'rule' || s.kind === 'nat')) key = chainKey(s.rule);
    if (s.kind === 'policy') {
      const words = s.title.replace(/ policy$/, '');
      key = words.split(' ').length === 3 ? words : `ip ${words}`;
    }
    if (key && out[out.length - 1] !== key) out.push(key);
  }
  return out;
}

/** A kernel trace line of a rule or policy in a table other than our tracing one: trace id and chain key. */
function kernelLine(l: string): { id: string; key: string; verdict: string } | null {
  const m = /^trace id (\w+) (ip6?|inet|bridge|netdev|arp) (\S+) (\S+) (rule|policy)\b(.*)$/.exec(l);
  if (!m || m[3] === 'nxtrace') return null;
  return { id: m[1] ?? '', key: `${m[2]} ${m[3]} ${m[4]}`, verdict: m[6] ?? '' };
}

function kernelChains(lines: string[]): string[] {
  const first = lines.map(kernelLine).find((m) => m !== null)?.id;
  const out: string[] = [];
  let entries = 0;
  for (const l of lines) {
    // Trace ids come from the skb and repeat for later packets: the first packet ends where the next enters our tracing
    // chain.
    if (
      first !== undefined &&
      l.startsWith(`trace id ${first} inet nxtrace `) &&
      l.includes(' packet: ') &&
      ++entries > 1
    )
      break;
    const m = kernelLine(l);
    if (!m || m.id !== first) continue;
    if (out[out.length - 1] !== m.key) out.push(m.key);
  }
  return out;
}

/** The chains where the first traced packet got a drop verdict (`verdict drop`), for a drop's kernel confirmation. */
function kernelDrops(lines: string[]): string[] {
  const first = lines.map((l) => /^trace id (\w+) /.exec(l)?.[1]).find((id) => id !== undefined);
  return lines
    .map(kernelLine)
    .filter((m): m is NonNullable<typeof m> => m !== null && m.id === first && /verdict drop\b/.test(m.verdict))
    .map((m) => m.key);
}

const runner = new ExecRunner({ timeoutMs: 15_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withKernelTrace(ns: string, port: number, act: () => Promise<unknown>): Promise<string[]> {
  const table = `table inet nxtrace {\n chain pre { type filter hook prerouting priority -350; th dport ${port} meta nftrace set 1; }\n chain out { type filter hook output priority -350; th dport ${port} meta nftrace set 1; }\n}\n`;
  const added = await runner.run(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: table });
  assert.equal(added.failure, null, added.stderr);
  const lines: string[] = [];
  const watch = watchLines(
    ['ip', 'netns', 'exec', ns, 'nft', 'monitor', 'trace'],
    (l) => lines.push(l),
    () => undefined,
  );
  try {
    await sleep(400);
    await act();
    await sleep(400);
  } finally {
    watch.stop();
    await runner.run(['ip', 'netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'nxtrace']);
  }
  return lines;
}

describe('trace against the real kernel', function () {
  this.timeout(300_000);
  let snapshot: Snapshot;
  let extras: Map<string, NamespaceExtras>;
  const rows: Row[] = [];
  const kernelRows: { title: string; trace: string[]; kernel: string[] }[] = [];

  before(async function () {
    requireRoot(this);
    await labUp();
    await traceLabUp();
    await nftLabUp();
    const discovery = await discoverNamespaces({ dockerDirs: [LAB_DOCKER_NETNS_DIR] });
    snapshot = await collectSnapshot(runner, discovery);
    const ours = new Set(snapshot.namespaces.filter((n) => /^nx[ltn]-/.test(n.name ?? '')).map((n) => n.id));
    extras = await collectTraceExtras(runner, snapshot, 8, ours);
  });

  after(async function () {
    if (process.getuid?.() !== 0) return;
    try {
      await nftLabDown();
      await traceLabDown();
    } finally {
      await labDown();
    }
    if (rows.length === ALL.length) writeReport(rows, kernelRows);
  });

  for (const sc of ALL) {
    it(sc.title, async function () {
      const request = buildRequest(snapshot, { in: sc.in, from: sc.from, to: sc.to, proto: sc.proto });
      const result = traceConnection(snapshot, extras, request);
      const [host = '', portText = ''] = /^\[?(.*?)\]?:(\d+)$/.exec(sc.to)?.slice(1) ?? [];
      const seen: string[] = [];
      const real = async () => {
        for (let i = 0; i < (sc.tries ?? 1); i++)
          seen.push(
            observed(await probe(['ip', 'netns', 'exec', sc.client], host, Number(portText), sc.proto ?? 'tcp')),
          );
      };
      if (sc.kernelTrace) {
        const lines = await withKernelTrace(sc.kernelTrace, Number(portText), real);
        const nsId = snapshot.namespaces.find((n) => n.name === sc.kernelTrace)?.id ?? '';
        const mine = traceChains(result, nsId);
        const kernel = kernelChains(lines);
        kernelRows.push({ title: sc.title, trace: mine, kernel });
        assert.deepEqual(mine, kernel, 'chains visited: trace vs nft monitor trace');
        // A drop by a rule must be the kernel's verdict too, in that chain: a timeout alone could have any cause.
        const v = result.outcomes[0]?.verdict;
        if (v?.kind === 'dropped' && v.rule)
          assert.ok(
            kernelDrops(lines).includes(chainKey(v.rule)),
            `the kernel dropped it in ${chainKey(v.rule)}: ${kernelDrops(lines).join(', ') || 'no drop seen'}`,
          );
      } else if (sc.counterCheck) {
        const v = result.outcomes[0]?.verdict;
        assert.ok(v?.kind === 'dropped' && v.rule, 'a counter check is for a predicted rule drop');
        const count = async () => {
          const dump = await runner.run(['ip', 'netns', 'exec', sc.counterCheck!, 'iptables-save', '-c']);
          const rules = dump.stdout.split('\n').filter((l) => l.includes(`-A ${v.rule!.chain} `));
          return Number(/^\[(\d+):/.exec(rules[v.rule!.index] ?? '')?.[1] ?? NaN);
        };
        const before = await count();
        await real();
        const after = await count();
        assert.ok(
          after > before,
          `the kernel counted the packet on ${v.rule.chain} rule ${v.rule.index + 1}: ${before} -> ${after}`,
        );
      } else {
        await real();
      }
      sc.check?.(result, snapshot);
      const predicted = expected(snapshot, result);
      const seenSet = [...new Set(seen)].sort();
      const agree = agrees(predicted, seenSet);
      const assumptions = [...new Set(result.outcomes.flatMap((o) => o.steps.flatMap((s) => s.assumptions)))];
      rows.push({
        title: sc.title,
        trace: `${result.summary}${result.uncertain ? ' [uncertain]' : ''}`,
        real: seenSet.join(', '),
        agree,
        uncertain: result.uncertain,
        note: sc.cannotAgree ?? (assumptions.length ? `assumed: ${assumptions.join('; ')}` : ''),
      });
      if (sc.cannotAgree) {
        assert.equal(result.uncertain, true, 'the trace must say it is uncertain');
        assert.equal(
          agree,
          false,
          `expected the known disagreement (${sc.cannotAgree}); the trace now agrees: update the scenario`,
        );
      } else {
        assert.ok(
          agree,
          `trace predicted ${predicted.join(' | ')} (${result.summary}), real traffic saw ${seenSet.join(' | ')}`,
        );
      }
    });
  }

  it('real ss output of every lab namespace reads without a diagnostic, and names the docker-proxy stand-in', () => {
    assert.ok(extras.size > 0);
    for (const [id, x] of extras) {
      assert.notEqual(x.listeners, null, `ss ran in ${nsLabel(snapshot, id)}`);
      assert.deepEqual(
        x.errors.filter((e) => / not read: /.test(e)),
        [],
        `ss lines of ${nsLabel(snapshot, id)}`,
      );
    }
    const host = snapshot.namespaces.find((n) => n.name === 'nxt-host');
    const proxy = extras.get(host?.id ?? '')?.listeners?.find((l) => l.port === 8080 && l.protocol === 'tcp');
    assert.equal(proxy?.processes[0]?.command, 'docker-proxy');
  });

  it('rules --in NS lists every rule with its explanation, iptables and nft alike', async function () {
    const json = await runCli(['rules', '--in', 'nxt-host', '--json']);
    assert.equal(json.failure, null, json.stderr);
    const rows = JSON.parse(json.stdout) as {
      family: string;
      source: string;
      table: string;
      chain: string;
      index: number;
      text: string;
      explanation: string;
      uninterpreted: string[];
    }[];
    const dnat = rows.find((r) => r.family === 'ipv4' && r.text.includes('--dport 8080 -j DNAT'));
    assert.ok(dnat, 'the 8080 DNAT rule is listed');
    assert.equal(dnat.table, 'nat');
    assert.equal(dnat.chain, 'DOCKER');
    assert.match(dnat.explanation, /10\.77\.0\.2:80 \(container nxt-a\)/);
    assert.deepEqual(dnat.uninterpreted, []);
    assert.ok(
      rows.some((r) => r.family === 'ipv6'),
      'both families',
    );
    const notrack = rows.find((r) => r.text.includes('--notrack'));
    assert.match(notrack?.explanation ?? '', /excluded from connection tracking/);
    const mx = JSON.parse((await runCli(['rules', '--in', 'nxn-mx', '--json'])).stdout) as typeof rows;
    const guard = mx.find((r) => r.source === 'nft' && r.chain === 'guard');
    assert.equal(guard?.table, 'inet nxn-guard');
    assert.match(guard?.explanation ?? '', /drops the packet/);
    const text = await runCli(['rules', '--in', 'nxn-mx']);
    assert.match(text.stdout, /^\d+ rules, \d+ with something not interpreted$/m);
  });

  it('the CLI traces a lab mapping as JSON and as text', async function () {
    const json = await runCli([
      'trace',
      '--in',
      'nxt-host',
      '--from',
      OUT,
      '--to',
      '198.19.0.1:8080',
      '--json',
      '--docker-netns-dir',
      LAB_DOCKER_NETNS_DIR,
    ]);
    assert.equal(json.failure, null, json.stderr);
    const parsed = JSON.parse(json.stdout) as TraceResult;
    assert.equal(parsed.verdict.kind, 'delivered');
    assert.match(parsed.summary, /nxt-a 10\.77\.0\.2:80/);
    const text = await runCli(['trace', '--in', 'nxt-host', '--from', 'nxt-a', '--to', '10.78.0.2:80']);
    assert.match(text.stdout, /verdict: dropped in nxt-host: dropped by rule 2 of filter DOCKER-ISOLATION-STAGE-2/);
    const bad = await runCli(['trace', '--in', 'nxt-host', '--from', 'outside:nope', '--to', '198.19.0.1:8080']);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /has no interface nope/);
  });
});

/**
 * Writes the scenario table to out/reports/trace-scenarios.md. Tests never write tracked files: `npm run
 * docs:refresh` puts the table into docs/TRACE.md on purpose.
 */
function writeReport(rows: Row[], kernel: { title: string; trace: string[]; kernel: string[] }[]): void {
  const file = path.join(REPO, 'out', 'reports', 'trace-scenarios.md');
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const table = [
    `Generated by \`test/host/trace.test.ts\` on ${new Date().toISOString().slice(0, 10)} (kernel ${fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}): ${rows.filter((r) => r.agree).length} of ${rows.length} scenarios agree.`,
    '',
    '| # | scenario | trace verdict | real traffic | agree | notes |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r, i) =>
        `| ${i + 1} | ${cell(r.title)} | ${cell(r.trace)} | ${cell(r.real)} | ${r.agree ? 'yes' : '**no**'} | ${cell(r.note)} |`,
    ),
    '',
    '### Chains visited: the trace vs `nft monitor trace`',
    '',
    '| scenario | trace | kernel |',
    '|---|---|---|',
    ...kernel.map((k) => `| ${cell(k.title)} | ${cell(k.trace.join(' → '))} | ${cell(k.kernel.join(' → '))} |`),
  ].join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${table}\n`);
}
