// Rules left by an earlier extension host (its Undo gone with it): found at activation, offered in one notification,
// removed by the cleanup command.
// Runs first of the integration suites (file order), so the extension activates only once the leftovers are in place.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { normalizeSave } from '../../src/core/mapping/chainEdits';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import type { CleanupOutcome } from '../../src/extension/commands/cleanUpLeftovers';
import { discoverNamespaces } from '../../src/host/discovery';
import { addMapping } from '../../src/host/portMapping/apply';
import { resolveNamespace } from '../../src/core/namespaceRef';
import { ExecRunner } from '../../src/host/runner';
import { dockerRules } from '../lab/lab';

const NS = `nxo-it${process.pid}`;
const runner = new ExecRunner({ timeoutMs: 15_000 });

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const save = async () => normalizeSave(await must(['ip', 'netns', 'exec', NS, 'iptables-save']));
const restore = (input: string) => must(['ip', 'netns', 'exec', NS, 'iptables-restore', '--noflush'], input);

describe('leftover rules of an earlier extension host', function () {
  this.timeout(120_000);
  let api: NetnsExplorerApi;
  let id: string;
  let baseline: string;
  let activeBefore = true;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    await must(['ip', 'netns', 'add', NS]);
    await restore(dockerRules('ipv4'));
    baseline = await save();
    // The earlier run: a mapping applied by the real apply code, then forgotten (no Undo survives a killed host).
    const ns = resolveNamespace((await discoverNamespaces({ dockerDirs: [] })).namespaces, NS);
    assert.ok(typeof ns !== 'string', String(ns));
    id = ns.id;
    await addMapping(
      { runner, namespace: ns },
      { family: 'ipv4', protocol: 'tcp', hostIp: null, hostPort: 18280, targetIp: '172.31.240.2', targetPort: 80 },
    );
    // And a broken piece: Docker recreated DOCKER-USER meanwhile, so nothing jumps to our filter chain any more.
    await restore(
      '*filter\n-D DOCKER-USER -m comment --comment "netns-explorer: hook" -j NETNS-EXPLORER-FWD\nCOMMIT\n',
    );
    const ext = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    assert.ok(ext);
    activeBefore = ext.isActive;
    api = (await ext.activate())!;
  });

  after(async () => {
    await runner.run(['ip', 'netns', 'del', NS]);
    await api?.store.refresh();
  });

  it('after the first snapshot on activation, one notification says what was found and offers Clean Up, Show, Remove All, Keep', async () => {
    assert.equal(
      activeBefore,
      false,
      'the extension must activate after the leftovers were made (this suite runs first)',
    );
    const notice = await api.leftoverNotice;
    assert.ok(notice, 'a notification was shown');
    const mine = notice.found.filter((f) => f.namespace === id);
    assert.deepEqual(
      mine.map((f) => [f.family, f.mappings.map((m) => m.title), f.orphans.map((o) => [o.kind, o.chain])]),
      [['ipv4', ['tcp 0.0.0.0:18280 -> 172.31.240.2:80'], [['unhooked-chain', 'NETNS-EXPLORER-FWD']]]],
    );
    assert.match(notice.message, /port mappings? made by Netns Explorer (is|are) active in namespaces? /);
    assert.match(notice.message, /broken pieces? of its own rules/);
    assert.deepEqual(notice.buttons, ['Clean Up', 'Show', 'Remove All', 'Keep']);
  });

  it('Clean Up removes only the broken piece; the mapping stays until Remove All, and then iptables-save is byte-identical to before', async () => {
    const orphans = await vscode.commands.executeCommand<CleanupOutcome>('netnsExplorer.cleanUpLeftovers', {
      ns: [id],
      remove: 'orphans',
      confirm: true,
    });
    assert.deepEqual(orphans?.errors, []);
    assert.equal(orphans?.results.length, 1);
    const kept = await save();
    assert.doesNotMatch(kept, /NETNS-EXPLORER-FWD/, 'the unhooked chain is gone');
    assert.match(
      kept,
      /--dport 18280 .* -j DNAT --to-destination 172\.31\.240\.2:80/,
      'the mapping the user made is not garbage',
    );
    await api.store.refresh();
    const again = api.checkLeftovers();
    assert.deepEqual(
      again?.found.filter((f) => f.namespace === id).map((f) => [f.mappings.length, f.orphans.length]),
      [[1, 0]],
    );

    const all = await vscode.commands.executeCommand<CleanupOutcome>('netnsExplorer.cleanUpLeftovers', {
      ns: [id],
      remove: 'all',
      confirm: true,
    });
    assert.deepEqual(all?.errors, []);
    assert.equal(all?.results.length, 1);
    assert.equal(await save(), baseline, 'iptables-save of the namespace is as before the earlier run applied');
    const none = await vscode.commands.executeCommand<CleanupOutcome>('netnsExplorer.cleanUpLeftovers', {
      ns: [id],
      remove: 'all',
      confirm: true,
    });
    assert.deepEqual(none, { results: [], errors: [] });
  });
});
