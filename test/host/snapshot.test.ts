// `netns-explorer snapshot` against the lab: every namespace, veth pair, bridge and port mapping the lab built.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace, Snapshot } from '../../src/core/model';
import { labDown, labUp, type LabNamespaceKey, type LabState } from '../lab/lab';
import { requireRoot, runCli } from './helpers';
import { isIptablesSet } from '../../src/core/rules/iptables';

describe('snapshot of the lab (real namespaces)', function () {
  let lab: LabState;
  let snap: Snapshot;
  let json: string;
  const nsOf = new Map<LabNamespaceKey, Namespace>();

  before(async function () {
    requireRoot(this);
    lab = await labUp();
    const r = await runCli(['snapshot', '--json', '--docker-netns-dir', lab.dockerNetnsDir]);
    assert.equal(r.exitCode, 0, r.stderr);
    json = r.stdout;
    snap = JSON.parse(json) as Snapshot;
    for (const expected of lab.namespaces) {
      const found = snap.namespaces.find((n) => n.id === expected.inode);
      if (found) nsOf.set(expected.key, found);
    }
  });
  after(async () => {
    if (lab) await labDown();
  });

  const ns = (key: LabNamespaceKey): Namespace => {
    const n = nsOf.get(key);
    assert.ok(n, `namespace ${key} is in the snapshot`);
    return n;
  };

  it('lists every lab namespace with its kind, name, mode and path', () => {
    for (const expected of lab.namespaces) {
      const n = ns(expected.key);
      assert.equal(n.kind, expected.kind, `${expected.key} kind`);
      assert.equal(n.mode, expected.mode, `${expected.key} mode`);
      assert.equal(n.name, expected.name, `${expected.key} name`);
      assert.ok(n.paths.includes(expected.path), `${expected.key} paths include ${expected.path}`);
    }
    assert.equal(snap.namespaces[0]?.kind, 'host');
    assert.equal(snap.namespaces[0]?.mode, 'host');
  });

  it('lists the PIDs and commands inside each namespace', () => {
    for (const expected of lab.namespaces) {
      const n = ns(expected.key);
      for (const pid of expected.pids) assert.ok(n.pids.includes(pid), `${expected.key} has pid ${pid}`);
      for (const p of expected.processes) {
        assert.deepEqual(
          n.processes.find((q) => q.pid === p.pid),
          p,
          `${expected.key} process ${p.pid}`,
        );
      }
    }
  });

  it('reads each interface with its kind, addresses and master', () => {
    for (const expected of lab.namespaces) {
      const n = ns(expected.key);
      assert.deepEqual(
        n.interfaces.map((i) => i.name).sort(),
        expected.interfaces.map((i) => i.name).sort(),
        `${expected.key} interfaces`,
      );
      for (const e of expected.interfaces) {
        const i = n.interfaces.find((x) => x.name === e.name)!;
        assert.equal(i.kind, e.kind, `${expected.key}/${e.name} kind`);
        if (e.kind !== 'loopback')
          assert.deepEqual(
            i.addresses.filter((a) => !a.startsWith('fe80:')),
            e.addresses,
            `${expected.key}/${e.name} addresses`,
          );
        assert.equal(i.master, e.master, `${expected.key}/${e.name} master`);
        assert.match(i.mac ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
        assert.ok(i.mtu > 0);
      }
    }
  });

  it('resolves every veth pair, both ends, although every end has ifindex 2', () => {
    const key = (namespace: string, ifname: string) => `${namespace}/${ifname}`;
    const found = new Set(
      snap.vethPairs.flatMap((p) => [
        `${key(p.a.namespace, p.a.ifname)}=${key(p.b.namespace, p.b.ifname)}`,
        `${key(p.b.namespace, p.b.ifname)}=${key(p.a.namespace, p.a.ifname)}`,
      ]),
    );
    for (const pair of lab.vethPairs) {
      const a = key(ns(pair.a.ns).id, pair.a.ifname);
      const b = key(ns(pair.b.ns).id, pair.b.ifname);
      assert.ok(found.has(`${a}=${b}`), `pair ${pair.a.ns}/${pair.a.ifname} ⇄ ${pair.b.ns}/${pair.b.ifname}`);
      const aIface = ns(pair.a.ns).interfaces.find((i) => i.name === pair.a.ifname)!;
      assert.deepEqual(aIface.peer, { namespace: ns(pair.b.ns).id, ifname: pair.b.ifname });
    }
    const labIds = new Set(lab.namespaces.map((n) => n.inode));
    const labPairs = snap.vethPairs.filter((p) => labIds.has(p.a.namespace) || labIds.has(p.b.namespace));
    assert.equal(labPairs.length, lab.vethPairs.length, 'no extra pairs');
  });

  it('lists every bridge with exactly its ports', () => {
    for (const b of lab.bridges) {
      const found = snap.bridges.find((x) => x.namespace === ns(b.ns).id && x.name === b.name);
      assert.ok(found, `bridge ${b.name}`);
      assert.deepEqual(found.ports, b.ports);
      assert.deepEqual(
        found.addresses.filter((a) => !a.startsWith('fe80:')),
        b.addresses,
      );
    }
  });

  it('turns every DNAT rule into a port mapping whose target is the namespace owning the address', () => {
    const hostId = ns('host').id;
    const mine = snap.portMappings.filter((m) => m.namespace === hostId);
    for (const e of lab.portMappings) {
      const m = mine.find(
        (x) => x.family === e.family && x.protocol === e.protocol && x.hostIp === e.hostIp && x.hostPort === e.hostPort,
      );
      assert.ok(m, `mapping ${e.family} ${e.protocol} ${e.hostIp}:${e.hostPort}`);
      assert.equal(m.targetIp, e.targetIp);
      assert.equal(m.targetPort, e.targetPort);
      assert.equal(m.targetNamespace, ns(e.target).id, `target of ${e.hostPort}/${e.protocol}`);
      assert.equal(m.chain, e.chain);
      assert.deepEqual(m.chainPath, ['PREROUTING', 'DOCKER']);
      assert.deepEqual([...m.hooks].sort(), ['OUTPUT', 'PREROUTING']);
      assert.equal(m.owner, 'docker');
      assert.match(m.rule, /-j DNAT --to-destination/);
      assert.deepEqual(m.targetPids, ns(e.target).pids);
    }
    assert.equal(mine.length, lab.portMappings.length, 'no extra mappings');
  });

  it("keeps the NAT rule sets per namespace and family, with the lab's chains", () => {
    const hostId = ns('host').id;
    for (const family of ['ipv4', 'ipv6'] as const) {
      const set = snap.nat.filter(isIptablesSet).find((n) => n.namespace === hostId && n.family === family);
      assert.ok(set, `${family} rules`);
      const nat = set.tables.find((t) => t.name === 'nat');
      assert.ok(nat?.chains.some((c) => c.name === 'DOCKER' && c.policy === null && !c.builtin));
    }
    const raw = snap.nat
      .filter(isIptablesSet)
      .find((n) => n.namespace === hostId && n.family === 'ipv4')!
      .tables.find((t) => t.name === 'raw');
    assert.ok(raw, 'the raw table Docker 28 writes is read too');
  });

  it('has no errors for lab namespaces', () => {
    const labIds = new Set(lab.namespaces.map((n) => n.inode));
    assert.deepEqual(
      snap.errors.filter((e) => e.namespace !== null && labIds.has(e.namespace)),
      [],
    );
  });

  it('prints a readable tree: modes, bridges like brctl, ports like docker port', async () => {
    const r = await runCli(['snapshot', '--docker-netns-dir', lab.dockerNetnsDir]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /nxl-web1 {2}\[named, mode bridge\]/);
    assert.match(r.stdout, /nxl-pod {2}\[named, mode container\]/);
    assert.match(r.stdout, /nxlbr0\tnxl-host\t172\.31\.240\.1\/24/);
    // One row per binding, as docker ps: the IPv4 and IPv6 rules of 8080 together.
    assert.match(
      r.stdout,
      /\n {2}0\.0\.0\.0:8080, \[::\]:8080\/tcp → 172\.31\.240\.2:80, \[fd00:6e78::2\]:80 \(nxl-web1\) {2}\[nxl-host iptables\+ip6tables PREROUTING → DOCKER, docker, 2 rules\]/,
    );
    assert.match(r.stdout, /0\.0\.0\.0:30000-30010\/tcp → 172\.31\.240\.4:30000-30010 \(nxl-pod\)/);
  });

  it('records every command and replays the same snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nxl-rec-'));
    try {
      const rec = await runCli(['record', dir, '--docker-netns-dir', lab.dockerNetnsDir]);
      assert.equal(rec.exitCode, 0, rec.stderr);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
        commands: { argv: string[] }[];
      };
      assert.ok(manifest.commands.some((c) => c.argv.includes('iptables-save')));
      const replay = await runCli(['snapshot', '--json', '--replay', dir]);
      assert.equal(replay.exitCode, 0, replay.stderr);
      const replayed = JSON.parse(replay.stdout) as Snapshot;
      // Compact by default (one line); --pretty indents the same model.
      assert.equal(replay.stdout.trimEnd().split('\n').length, 1);
      const pretty = await runCli(['snapshot', '--json', '--pretty', '--replay', dir]);
      assert.match(pretty.stdout, /^\{\n {2}"takenAt"/);
      assert.deepEqual({ ...(JSON.parse(pretty.stdout) as Snapshot), takenAt: '' }, { ...replayed, takenAt: '' });
      const recorded = JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8')) as Snapshot;
      assert.deepEqual({ ...replayed, takenAt: '' }, { ...recorded, takenAt: '' });
      assert.ok(replayed.portMappings.length >= lab.portMappings.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
