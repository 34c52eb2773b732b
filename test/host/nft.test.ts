// Native nftables on the real kernel (test/lab/nftLab.ts): the snapshot finds the port mappings of Docker 29's,
// kube-proxy's, Netavark's and firewalld's layouts and shows iptables-nft's tables once; port mappings in an nft-only
// namespace go in our own nft table, carry real traffic, and leave `nft list ruleset` byte-identical when removed.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { findLeftovers } from '../../src/core/mapping/leftovers';
import type { MappingSpec } from '../../src/core/mapping/types';
import type { Snapshot } from '../../src/core/model';
import { ruleSourceOf } from '../../src/core/rules';
import { backendsOf } from '../../src/core/rules/backends';
import { collectSnapshot } from '../../src/host/collect';
import { discoverNamespaces } from '../../src/host/discovery';
import {
  addMapping,
  cleanUpLeftovers,
  MappingError,
  removeMapping,
  undoMapping,
  type MappingTarget,
} from '../../src/host/portMapping/apply';
import { ExecRunner } from '../../src/host/runner';
import { hostOf, nftLabDown, nftLabUp } from '../lab/nftLab';
import { REPO, requireRoot, runCli } from './helpers';

const runner = new ExecRunner({ timeoutMs: 15_000 });
const CLIENT = join(REPO, 'test/lab/client.js');
const nv = hostOf('nv');

async function request(fromNs: string, host: string, port: number): Promise<string> {
  const r = await runner.run(
    ['ip', 'netns', 'exec', fromNs, process.execPath, CLIENT, host, String(port), 'tcp', '2000'],
    {
      timeoutMs: 10_000,
    },
  );
  return r.failure ? `failed: ${r.stderr.trim()}` : r.stdout.trim();
}

async function listRuleset(ns: string): Promise<string> {
  const r = await runner.run(['ip', 'netns', 'exec', ns, 'nft', 'list', 'ruleset']);
  assert.equal(r.failure, null, r.stderr);
  return r.stdout;
}

async function iptablesSave(ns: string): Promise<string> {
  const r = await runner.run(['ip', 'netns', 'exec', ns, 'iptables-save']);
  assert.equal(r.failure, null, r.stderr);
  return r.stdout;
}

describe('native nftables on the real kernel', function () {
  this.timeout(300_000);
  let snapshot: Snapshot;
  let target: MappingTarget;
  const id = (name: string) => snapshot.namespaces.find((n) => n.name === name)?.id;

  before(async function () {
    requireRoot(this);
    await nftLabUp();
    const discovery = await discoverNamespaces();
    snapshot = await collectSnapshot(runner, discovery);
    const namespace = discovery.namespaces.find((n) => n.name === nv.host);
    assert.ok(namespace);
    target = { runner, namespace };
  });

  after(async function () {
    if (process.getuid?.() === 0) await nftLabDown();
  });

  it('finds the port mappings of all four layouts, linked to their containers, with chain paths', () => {
    const rows = snapshot.portMappings
      .filter((m) => m.source === 'nft')
      .map((m) => ({
        host: snapshot.namespaces.find((n) => n.id === m.namespace)?.name,
        at: `${m.protocol} ${m.hostIp}:${m.hostPort}`,
        to: snapshot.namespaces.find((n) => n.id === m.targetNamespace)?.name,
        path: m.chainPath.join(' → '),
        owner: m.owner,
      }));
    const find = (host: string, at: string, to: string) =>
      rows.find((r) => r.host === host && r.at === at && r.to === to);
    assert.equal(find('nxn-d29', 'tcp 0.0.0.0:8080', 'nxn-d29-c1')?.path, 'nat-PREROUTING → nat-prerouting-and-output');
    assert.equal(find('nxn-d29', 'tcp 0.0.0.0:8080', 'nxn-d29-c1')?.owner, 'docker');
    assert.match(find('nxn-kp', 'tcp 10.96.0.10:80', 'nxn-kp-c2')?.path ?? '', /^nat-prerouting → services → service-/);
    assert.ok(find('nxn-kp', 'tcp 198.19.22.1:30080', 'nxn-kp-c1'), 'the NodePort');
    assert.equal(find('nxn-nv', 'tcp 0.0.0.0:8081', 'nxn-nv-c1')?.owner, 'podman');
    assert.equal(
      find('nxn-fw', 'tcp 0.0.0.0:8082', 'nxn-fw-c1')?.path,
      'nat_PREROUTING → nat_PREROUTING_ZONES → nat_PRE_public → nat_PRE_public_allow',
    );
    // The mixed host's DNATs are iptables-nft's: found once, by the iptables reader.
    assert.ok(!rows.some((r) => r.host === 'nxn-mx'));
    assert.equal(snapshot.portMappings.filter((m) => m.namespace === id('nxn-mx') && m.hostPort === 8083).length, 1);
  });

  it("shows iptables-nft's tables once, and which backends hold each namespace's rules", () => {
    const mx = snapshot.nat.find((s) => s.namespace === id('nxn-mx') && s.source === 'nft');
    assert.ok(mx);
    assert.deepEqual(
      ruleSourceOf(mx)
        .tables(mx)
        .map((t) => t.name),
      ['inet nxn-guard'],
    );
    assert.deepEqual(
      backendsOf(snapshot.nat, id('nxn-mx')!).map((b) => b.backend),
      ['iptables-nft', 'nftables'],
    );
    assert.deepEqual(
      backendsOf(snapshot.nat, id('nxn-fw')!).map((b) => `${b.backend} ${b.tables.join(',')}`),
      ['nftables inet firewalld'],
    );
    const fw = snapshot.nat.find((s) => s.namespace === id('nxn-fw') && s.source === 'nft')!;
    const input = ruleSourceOf(fw).chain(fw, 'inet firewalld', 'filter_INPUT');
    assert.equal(input?.hook, 'filter hook input priority filter + 10');
    const text = ruleSourceOf(fw).text(fw, ['header']).text;
    assert.match(text, /^table inet firewalld \{$/m);
    assert.match(text, /^\t\tmeta nfproto ipv4 tcp dport 8082 dnat ip to 10\.90\.4\.2:80$/m);
  });

  it('reads the same nft rule sets in the batched read and one namespace at a time', async () => {
    const discovery = await discoverNamespaces();
    const single = await collectSnapshot(runner, discovery, { batch: false });
    const ours = (s: Snapshot) =>
      s.nat
        .filter((x) => x.source === 'nft' && /^nxn-/.test(s.namespaces.find((n) => n.id === x.namespace)?.name ?? ''))
        .map((x) => JSON.stringify(x))
        .sort();
    assert.deepEqual(ours(single), ours(snapshot));
    assert.equal(ours(single).length, 5, 'one nft set per host with native tables; none where there are none');
  });

  it('creates then deletes a mapping in an nft-only namespace: real traffic in between, the ruleset as before', async () => {
    const before = await listRuleset(nv.host);
    const iptablesBefore = await iptablesSave(nv.host);
    const spec: MappingSpec = {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 9090,
      targetIp: nv.c2ip,
      targetPort: 80,
    };
    const added = await addMapping(target, spec);
    assert.ok(added.applied);
    assert.match(added.payload, /^add table ip netns-explorer$/m);
    assert.deepEqual(added.argv.slice(-3), ['nft', '-f', '-']);
    assert.equal(await request(nv.out, nv.hostIp, 9090), `nxl:${nv.c2}:80`);
    assert.equal(await request(nv.host, nv.hostIp, 9090), `nxl:${nv.c2}:80`, 'from the host itself (output)');
    assert.equal(await iptablesSave(nv.host), iptablesBefore, 'no iptables rule was written');
    // A second mapping shares the table; removing the first deletes its rules by handle.
    const second = await addMapping(target, { ...spec, hostPort: 9091, targetIp: nv.c1ip });
    assert.equal(await request(nv.out, nv.hostIp, 9091), `nxl:${nv.c1}:80`);
    const removed = await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 9090 });
    assert.match(removed.payload, /^delete rule ip netns-explorer mappings handle \d+$/m);
    assert.match(await request(nv.out, nv.hostIp, 9090), /ECONNREFUSED/);
    assert.equal(await request(nv.out, nv.hostIp, 9091), `nxl:${nv.c1}:80`);
    // Undo puts the removed one back; undoing the second's creation takes the table away.
    await undoMapping(target, removed.plan);
    assert.equal(await request(nv.out, nv.hostIp, 9090), `nxl:${nv.c2}:80`);
    await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 9090 });
    await undoMapping(target, second.plan);
    assert.equal(await listRuleset(nv.host), before, 'nft list ruleset is byte-identical to before');
  });

  it("refuses a port another tool's nft rules publish, and a stale preview, changing nothing", async () => {
    const before = await listRuleset(nv.host);
    await assert.rejects(
      addMapping(target, {
        family: 'ipv4',
        protocol: 'tcp',
        hostIp: null,
        hostPort: 8081,
        targetIp: nv.c2ip,
        targetPort: 80,
      }),
      (e: unknown) => e instanceof MappingError && e.kind === 'conflict' && /published by Podman/.test(e.message),
    );
    const spec: MappingSpec = {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 9092,
      targetIp: nv.c2ip,
      targetPort: 80,
    };
    const preview = await addMapping(target, spec, { dryRun: true });
    assert.equal(preview.applied, false);
    await addMapping(target, { ...spec, hostPort: 9093 });
    await assert.rejects(
      addMapping(target, spec, { expected: preview.plan }),
      (e: unknown) => e instanceof MappingError && e.kind === 'stale',
    );
    await assert.rejects(
      removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 8081 }),
      (e: unknown) => e instanceof MappingError && /deletes only its own nft rules/.test(e.message),
    );
    await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 9093 });
    assert.equal(await listRuleset(nv.host), before);
  });

  it('lists our nft mappings as leftovers and cleans them up; the CLI does the same', async () => {
    const before = await listRuleset(nv.host);
    const add = await runCli(['map', 'add', '--in', nv.host, '--host-port', '9094', '--to', `${nv.c1ip}:80`]);
    assert.equal(add.exitCode, 0, add.stderr);
    assert.match(add.stdout, /one nft transaction/);
    const ls = await runCli(['map', 'ls', '--in', nv.host]);
    assert.match(ls.stdout, /0\.0\.0\.0:9094\/tcp → 10\.90\.3\.2:80 {2}netns-explorer {2}mappings/);
    const discovery = await discoverNamespaces();
    const found = findLeftovers(await collectSnapshot(runner, discovery));
    const here = found.find((f) => f.namespace === target.namespace.id);
    assert.deepEqual(
      here?.mappings.map((m) => m.title),
      ['tcp 0.0.0.0:9094 -> 10.90.3.2:80'],
    );
    const cleaned = await cleanUpLeftovers(target, 'ipv4', { orphans: true, mappings: 'all' });
    assert.equal(cleaned?.payload, 'delete table ip netns-explorer\n');
    assert.equal(await listRuleset(nv.host), before);
  });
});
