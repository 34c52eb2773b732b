// Hostile names end to end on the real kernel: the CLI shows them literally, each reaches every command as one argv
// element, replay is exact.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safeText } from '../../src/cli/render';
import type { Snapshot } from '../../src/core/model';
import {
  HOSTILE_COMMENTS,
  HOSTILE_IFACES,
  HOSTILE_PORT,
  hostileDown,
  hostileLeftovers,
  hostileUp,
  type HostileKey,
  type HostileState,
} from '../lab/hostile';
import { REPO, requireRoot, runCli } from './helpers';
import { isIptablesSet } from '../../src/core/rules/iptables';

interface ManifestCommand {
  argv: string[];
}

describe('hostile names end to end (CLI, argv, record and replay)', function () {
  this.timeout(180_000);
  let lab: HostileState;
  let dir: string;
  let live: Snapshot;
  let keys: HostileKey[];
  const cwd = mkdtempSync(join(tmpdir(), 'nxh-cwd-'));

  before(async function () {
    requireRoot(this);
    lab = await hostileUp();
    keys = Object.keys(lab.names) as HostileKey[];
    dir = mkdtempSync(join(tmpdir(), 'nxh-rec-'));
    const rec = await runCli(['record', dir]);
    assert.equal(rec.exitCode, 0, rec.stderr);
    live = JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8')) as Snapshot;
  });
  after(async () => {
    if (lab) await hostileDown();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  it('the lab is up with a 255-byte name (the limit: ip netns add refuses 256) and one with a newline', () => {
    assert.equal(Buffer.byteLength(lab.names.long), 255);
    assert.ok(lab.names.newline.includes('\n'));
    assert.equal(hostileLeftovers().length, keys.length);
  });

  it('every command got each name as exactly one argv element (ip -n NAME, nsenter --net=/run/netns/NAME)', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { commands: ManifestCommand[] };
    for (const key of keys) {
      const name = lab.names[key];
      const commands = manifest.commands.filter((c) => c.argv.some((a) => a.includes(name)));
      assert.ok(commands.length >= 3, `${key}: ip and both iptables-save ran for it (${commands.length})`);
      for (const c of commands) {
        const holding = c.argv.filter((a) => a.includes(name));
        assert.equal(holding.length, 1, `${key}: one element holds the name in ${JSON.stringify(c.argv)}`);
        assert.ok(
          holding[0] === name || holding[0] === `--net=/run/netns/${name}`,
          `${key}: the element is the name itself or its path: ${JSON.stringify(holding[0])}`,
        );
      }
    }
  });

  it('snapshot --json: names, interface names and rule comments are the exact strings', () => {
    for (const key of keys) assert.equal(live.namespaces.find((n) => n.id === lab.ids[key])?.name, lab.names[key], key);
    const html = live.namespaces.find((n) => n.id === lab.ids.html)!;
    const md = live.namespaces.find((n) => n.id === lab.ids.markdown)!;
    assert.ok(
      html.interfaces.some(
        (i) =>
          i.name === HOSTILE_IFACES.html && i.peer?.namespace === md.id && i.peer.ifname === HOSTILE_IFACES.markdown,
      ),
      'the veth pair is resolved across the hostile namespaces',
    );
    const comments = live.nat
      .filter(isIptablesSet)
      .filter((s) => s.namespace === html.id)
      .flatMap((s) => s.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => r.comment))));
    for (const c of Object.values(HOSTILE_COMMENTS))
      assert.ok(comments.includes(c), `comment ${JSON.stringify(c)} in ${JSON.stringify(comments)}`);
    const mapping = live.portMappings.find((m) => m.namespace === html.id && m.hostPort === HOSTILE_PORT);
    assert.equal(mapping?.targetNamespace, md.id, 'the DNAT target resolves to the Markdown-named namespace');
    assert.equal(mapping?.comment, HOSTILE_COMMENTS.html);
    assert.deepEqual(
      live.errors.filter((e) => Object.values(lab.ids).includes(e.namespace ?? '')),
      [],
      'no errors for hostile namespaces',
    );
  });

  it('snapshot text: each name literally, control characters escaped so a name cannot forge lines', async () => {
    const r = await runCli(['snapshot', '--replay', dir]);
    assert.equal(r.exitCode, 0, r.stderr);
    for (const key of keys) assert.ok(r.stdout.includes(safeText(lab.names[key])), `${key} shown`);
    for (const key of keys.filter((k) => k !== 'newline'))
      assert.ok(r.stdout.includes(lab.names[key]), `${key} shown character for character`);
    assert.ok(r.stdout.includes('nxh-hx-line1\\x0aline2'), 'the newline is shown as \\x0a');
    assert.ok(
      !r.stdout.split('\n').some((l) => l === 'line2' || l.startsWith('line2')),
      'no line starts with what follows the newline',
    );
    assert.ok(r.stdout.includes(`${HOSTILE_IFACES.html} `) && r.stdout.includes(HOSTILE_IFACES.markdown));
  });

  it('the replayed snapshot equals the recorded one', async () => {
    const r = await runCli(['snapshot', '--json', '--replay', dir]);
    assert.equal(r.exitCode, 0, r.stderr);
    const replayed = JSON.parse(r.stdout) as Snapshot;
    assert.deepEqual({ ...replayed, takenAt: '' }, { ...live, takenAt: '' });
  });

  it('nothing ran: no shell expanded the $(touch …) and `touch …` name', async () => {
    const r = await runCli(['snapshot', '--json'], {}, 120_000);
    assert.equal(r.exitCode, 0);
    for (const where of [REPO, cwd, tmpdir(), '/', process.cwd()])
      assert.ok(!existsSync(join(where, 'nxh-pwned')), `no nxh-pwned in ${where}`);
  });
});
