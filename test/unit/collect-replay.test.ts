// Collection replayed from recordings of real tools: the lab's ip -j output (colliding ifindexes) and the legacy
// warning.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveredNamespace, Discovery } from '../../src/core/model';
import { collectNamespace, collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';
import type { CommandResult, Runner } from '../../src/host/runner';
import type { LabState } from '../lab/lab';

const FIXTURES = join(__dirname, '../../../test/fixtures');

describe('collection replayed from a recording of the lab', () => {
  const dir = join(FIXTURES, 'recordings/lab');
  const lab = JSON.parse(readFileSync(join(dir, 'lab-state.json'), 'utf8')) as LabState;
  const id = (key: string) => lab.namespaces.find((n) => n.key === key)!.inode;

  it('resolves every veth pair although every end is ifindex 2 in its namespace', async () => {
    const replay = new ReplayRunner(dir);
    const snap = await collectSnapshot(replay, replay.discovery);
    const ifindexes = snap.namespaces.flatMap((n) =>
      n.interfaces.filter((i) => i.kind === 'veth').map((i) => i.ifindex),
    );
    assert.ok(ifindexes.filter((i) => i === 2).length >= 8, 'the recording really has colliding ifindexes');
    const pairs = new Set(snap.vethPairs.map((p) => `${p.a.namespace}/${p.a.ifname}=${p.b.namespace}/${p.b.ifname}`));
    for (const p of lab.vethPairs) {
      assert.ok(
        pairs.has(`${id(p.a.ns)}/${p.a.ifname}=${id(p.b.ns)}/${p.b.ifname}`),
        `${p.a.ns}/${p.a.ifname} ⇄ ${p.b.ns}/${p.b.ifname}`,
      );
    }
    assert.equal(snap.vethPairs.length, lab.vethPairs.length);
    for (const n of lab.namespaces)
      assert.equal(snap.namespaces.find((s) => s.id === n.inode)?.mode, n.mode, `${n.key} mode`);
    assert.deepEqual(snap.errors, []);
  });
});

describe('the nf_tables legacy warning', () => {
  const fixture = (name: string) => readFileSync(join(FIXTURES, 'iptables', name), 'utf8');
  const ns: DiscoveredNamespace = {
    id: '1',
    dev: 4,
    ino: 1,
    kind: 'named',
    name: 'n1',
    paths: ['/run/netns/n1'],
    processes: [],
  };
  /** Answers like a host whose iptables-save (nft) warns that legacy tables exist. */
  class LegacyHost implements Runner {
    readonly seen: string[][] = [];
    async run(argv: readonly string[]): Promise<CommandResult> {
      this.seen.push([...argv]);
      const ok = (stdout: string, stderr = ''): CommandResult => ({
        argv: [...argv],
        stdout,
        stderr,
        exitCode: 0,
        failure: null,
        durationMs: 0,
      });
      if (argv.includes('iptables-save'))
        return ok(fixture('legacy-warning.txt'), fixture('legacy-warning.stderr.txt'));
      if (argv.includes('iptables-legacy-save')) return ok(fixture('legacy-warning.legacy.txt'));
      if (argv.includes('ip6tables-save')) return ok('');
      // nft: iptables-nft's nat table, which is never listed again, and one native table, listed on its own.
      if (argv.includes('chains'))
        return ok(
          JSON.stringify({
            nftables: [
              {
                chain: { family: 'ip', table: 'nat', name: 'PREROUTING', type: 'nat', hook: 'prerouting', prio: -100 },
              },
              { chain: { family: 'inet', table: 'guard', name: 'in', type: 'filter', hook: 'input', prio: 0 } },
            ],
          }),
        );
      if (argv.includes('table'))
        return ok(
          argv.slice(-2).join(' ') === 'inet guard'
            ? JSON.stringify({ nftables: [{ table: { family: 'inet', name: 'guard', handle: 1 } }] })
            : 'wrong table',
        );
      return ok('[][][][]');
    }
  }

  it('reads iptables-legacy-save too, and keeps both rule sets apart', async () => {
    const host = new LegacyHost();
    const raw = await collectNamespace(host, ns);
    assert.ok(host.seen.some((a) => a.join(' ') === 'nsenter --net=/run/netns/n1 -- iptables-legacy-save -c'));
    assert.deepEqual(
      raw.nat.map((n) => n.source),
      ['ip6tables-save', 'iptables-legacy-save', 'iptables-save', 'nft'],
    );
    assert.match(raw.nat.find((n) => n.source === 'iptables-legacy-save')!.text, /added by iptables-legacy/);
    assert.deepEqual(raw.errors, []);
    // nft: the chains first, then only the native table; iptables-nft's nat table is not dumped twice.
    const nft = host.seen.filter((a) => a.includes('nft')).map((a) => a.slice(a.indexOf('nft')).join(' '));
    assert.deepEqual(nft, ['nft -j list chains', 'nft -j list table inet guard']);
  });

  it('does not run the legacy tool when there is no warning', async () => {
    const host = new LegacyHost();
    host.run = async (argv) => ({
      argv: [...argv],
      stdout: argv.includes('ip') ? '[][][][]' : argv.includes('nft') ? '{"nftables": []}' : '',
      stderr: '',
      exitCode: 0,
      failure: null,
      durationMs: 0,
    });
    const raw = await collectNamespace(host, ns);
    assert.deepEqual(
      raw.nat.map((n) => n.source),
      ['ip6tables-save', 'iptables-save'],
      'no nft set without native tables',
    );
  });

  it('enters named namespaces with ip -n and the rest with nsenter --net=PATH', async () => {
    const host = new LegacyHost();
    await collectNamespace(host, ns);
    await collectNamespace(host, { ...ns, kind: 'process', name: null, paths: ['/proc/42/ns/net'] });
    const ipCalls = host.seen.filter((a) => a.includes('-batch')).map((a) => a.join(' '));
    assert.deepEqual(ipCalls, ['ip -n n1 -j -d -batch -', 'nsenter --net=/proc/42/ns/net -- ip -j -d -batch -']);
    const discovery: Discovery = { namespaces: [ns], unreadable: 3, hostPidNamespace: null };
    assert.equal((await collectSnapshot(host, discovery)).discovery.unreadable, 3);
  });
});
