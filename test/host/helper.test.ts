// The privileged helper against the real kernel and a real, password-protected sudo:
// - through the helper, the snapshot is the same as the direct read as root;
// - a user who is not root gets that whole view with one password (`snapshot --password-stdin`), and a wrong password
//   says so and leaves no process;
// - a port mapping is made, undone and removed through the helper; undo takes only plans the helper applied;
// - a non-root client talking to the helper through sudo cannot make it run anything outside the protocol;
// - closing the helper's stdin, or killing its client, leaves no helper process.
// Objects: namespaces nxp-*, the user nxh-user with a sudoers entry that needs a password; all removed afterwards.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../../src/core/model';
import { DirectAccess } from '../../src/host/access';
import { discoverNamespaces } from '../../src/host/discovery';
import { HelperAccess, HelperClient, HelperStartError } from '../../src/host/helper/client';
import { ExecRunner } from '../../src/host/runner';
import { CLI, requireRoot } from './helpers';

const USER = 'nxh-user';
const PASSWORD = 'nx-Secret-7 with spaces';
const SUDOERS = '/etc/sudoers.d/nxh-user';
const HOST = 'nxp-host';
const BOX = 'nxp-box';
/** A namespace whose NAT is native nftables (a Netavark-shaped table): mappings there go in our own nft table. */
const NFT_HOST = 'nxp-nft';
const runner = new ExecRunner({ timeoutMs: 15_000 });

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Helper and sudo processes still running whose command line holds `marker`. */
async function processesWith(marker: string): Promise<string[]> {
  const out = await must(['ps', '-eo', 'pid=,args=']);
  return out
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
    .map((l) => l.trim());
}

async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** What two snapshots must agree on: every namespace with its links and addresses, and every published port. */
function shape(s: Snapshot): unknown {
  return {
    namespaces: s.namespaces
      .map((n) => ({
        id: n.id,
        name: n.name,
        kind: n.kind,
        interfaces: n.interfaces.map((i) => `${i.name} ${i.kind} ${i.addresses.join(',')}`).sort(),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    portMappings: s.portMappings.map((m) => `${m.namespace} ${m.protocol} ${m.hostIp}:${m.hostPort}`).sort(),
    nat: s.nat.map((r) => `${r.namespace}/${r.family}/${r.source}`).sort(),
  };
}

describe('privileged helper', function () {
  this.timeout(120_000);
  let dir = '';
  let cli = '';
  const spec = {
    family: 'ipv4' as const,
    protocol: 'tcp' as const,
    hostIp: null,
    hostPort: 18081,
    targetIp: '10.214.0.2',
    targetPort: 80,
  };

  before(async function () {
    requireRoot(this);
    if (!existsSync('/usr/bin/sudo')) assert.fail('sudo is not installed (.ci/run installs it)');
    // The bundle where the test user can read it (the checkout may be under a private home).
    dir = mkdtempSync(join(tmpdir(), 'nxh-helper-'));
    chmodSync(dir, 0o755);
    cli = join(dir, 'cli.js');
    copyFileSync(CLI, cli);
    chmodSync(cli, 0o644);
    if ((await runner.run(['id', USER])).failure) await must(['useradd', '--no-create-home', USER]);
    await must(['chpasswd'], `${USER}:${PASSWORD}\n`);
    writeFileSync(SUDOERS, `${USER} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
    for (const ns of [HOST, BOX, NFT_HOST]) await runner.run(['ip', 'netns', 'del', ns]);
    for (const ns of [HOST, BOX, NFT_HOST]) await must(['ip', 'netns', 'add', ns]);
    await must(
      ['ip', 'netns', 'exec', NFT_HOST, 'nft', '-f', '-'],
      'table inet nxp-nat {\n chain pre { type nat hook prerouting priority dstnat; policy accept; }\n}\n',
    );
    await must(
      ['ip', '-n', HOST, '-batch', '-'],
      [
        'link set lo up',
        'link add nxpbr0 type bridge',
        `link add nxpv-box type veth peer name eth0 netns ${BOX}`,
        'link set nxpv-box master nxpbr0',
        'addr add 10.214.0.1/24 dev nxpbr0',
        'link set nxpbr0 up',
        'link set nxpv-box up',
      ].join('\n') + '\n',
    );
    await must(['ip', '-n', BOX, 'addr', 'add', '10.214.0.2/24', 'dev', 'eth0']);
    await must(['ip', '-n', BOX, 'link', 'set', 'eth0', 'up']);
    await must(
      ['ip', 'netns', 'exec', HOST, 'iptables-restore', '--noflush'],
      '*nat\n-A PREROUTING -p tcp --dport 16379 -j DNAT --to-destination 10.214.0.2:6379\nCOMMIT\n',
    );
  });

  after(async () => {
    for (const ns of [HOST, BOX, NFT_HOST]) await runner.run(['ip', 'netns', 'del', ns]);
    rmSync(SUDOERS, { force: true });
    await runner.run(['userdel', USER]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const request = { dockerDirs: ['/var/run/docker/netns'], concurrency: 4, skipNat: false, changed: null };

  it('reads the same snapshot as the direct read as root', async () => {
    const client = await HelperClient.start({
      command: [process.execPath, cli, 'helper', '--stdio'],
      elevation: { how: 'none' },
    });
    try {
      const [viaHelper, direct] = await Promise.all([
        new HelperAccess(client).snapshot(request),
        new DirectAccess(runner).snapshot(request),
      ]);
      assert.deepEqual(shape(viaHelper), shape(direct));
      const host = viaHelper.namespaces.find((n) => n.name === HOST);
      assert.ok(host, 'the lab namespace is there');
      assert.ok(
        viaHelper.portMappings.some((m) => m.namespace === host.id && m.hostPort === 16379),
        'its DNAT rule is read through the helper',
      );
    } finally {
      client.dispose();
    }
    await eventually(async () => (await processesWith(cli)).length === 0, 'the helper to exit');
  });

  it('gives a user who is not root the whole view after one password', async () => {
    const asRoot = JSON.parse(await must([process.execPath, cli, 'snapshot', '--json'])) as Snapshot;
    const r = await runner.run(['runuser', '-u', USER, '--', process.execPath, cli, 'snapshot', '--json'], {
      timeoutMs: 60_000,
    });
    const readOnly = JSON.parse(r.stdout) as Snapshot;
    assert.ok(!readOnly.namespaces.some((n) => n.name === HOST && n.interfaces.length > 0), 'without a password: not');
    const viaPassword = await runner.run(
      ['runuser', '-u', USER, '--', process.execPath, cli, 'snapshot', '--json', '--password-stdin'],
      { input: `${PASSWORD}\n`, timeoutMs: 60_000 },
    );
    assert.equal(viaPassword.failure, null, viaPassword.stderr);
    const granted = JSON.parse(viaPassword.stdout) as Snapshot;
    const labOnly = (s: Snapshot) =>
      (shape(s) as { namespaces: { name: string | null }[] }).namespaces.filter((n) => n.name?.startsWith('nxp-'));
    assert.deepEqual(labOnly(granted), labOnly(asRoot));
    assert.equal(labOnly(granted).length, 3);
    assert.deepEqual(
      granted.portMappings.filter((m) => m.hostPort === 16379).map((m) => `${m.targetIp}:${m.targetPort}`),
      asRoot.portMappings.filter((m) => m.hostPort === 16379).map((m) => `${m.targetIp}:${m.targetPort}`),
    );
    assert.equal(granted.errors.filter((e) => e.reason === 'permission').length, 0, 'no permission errors');
    assert.ok(!viaPassword.stderr.includes(PASSWORD) && !viaPassword.stdout.includes(PASSWORD));
    assert.deepEqual(await processesWith(cli), [], 'no helper left');
  });

  it('says a wrong password was not accepted, and leaves no process', async () => {
    const r = await runner.run(['runuser', '-u', USER, '--', process.execPath, cli, 'snapshot', '--password-stdin'], {
      input: 'not-the-password\n',
      timeoutMs: 60_000,
    });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /could not get root: the password was not accepted/);
    assert.doesNotMatch(r.stderr, /not-the-password|at .*\.js:\d+/, 'no password and no stack trace');
    await eventually(async () => (await processesWith(cli)).length === 0, 'sudo and the helper to be gone');
  });

  it('makes, undoes and removes a port mapping through the helper; undoes only its own plans', async () => {
    const client = await HelperClient.start({
      command: [process.execPath, cli, 'helper', '--stdio'],
      elevation: { how: 'none' },
    });
    const save = () => must(['ip', 'netns', 'exec', HOST, 'iptables-save']);
    try {
      const access = new HelperAccess(client);
      await access.snapshot(request);
      const host = (await discoverNamespaces()).namespaces.find((n) => n.name === HOST);
      assert.ok(host);
      const before = await save();
      const preview = await access.addMapping(host, spec, { dryRun: true });
      assert.equal(preview.applied, false);
      const added = await access.addMapping(host, spec, { expected: preview.plan });
      assert.equal(added.applied, true);
      assert.match(await save(), /--dport 18081 .*-j DNAT --to-destination 10\.214\.0\.2:80/);
      // A plan the helper did not apply (here: the real one with a rule changed) is refused.
      const forged = { ...added.plan, ops: added.plan.ops.map((op) => ({ ...op, chain: 'INPUT' })) };
      await assert.rejects(access.undoMapping(host, forged), /not made through this helper/);
      await access.undoMapping(host, added.plan);
      assert.doesNotMatch(await save(), /18081/);
      const again = await access.addMapping(host, spec);
      assert.equal(again.applied, true);
      const removed = await access.removeMapping(host, { family: 'ipv4', protocol: 'tcp', hostPort: 18081 });
      assert.equal(removed.applied, true);
      // The namespace started without a filter or raw table; the mapping made them, and they stay, empty.
      const strip = (t: string) =>
        t
          .replace(/^#.*\n/gm, '')
          .replace(/\[\d+:\d+\]/g, '')
          .replace(/^\*(filter|raw)\n(:[A-Z]+ ACCEPT \n)+COMMIT\n/gm, '');
      assert.equal(strip(await save()), strip(before), 'the rules are exactly as before');
      // A conflict comes back as the same MappingError it is in-process.
      await assert.rejects(
        access.addMapping(host, { ...spec, hostPort: 16379 }),
        (e: Error & { kind?: string }) => e.kind === 'conflict',
      );
    } finally {
      client.dispose();
    }
  });

  it('in a namespace whose NAT is nftables, makes and undoes a mapping in our nft table through the helper', async () => {
    const client = await HelperClient.start({
      command: [process.execPath, cli, 'helper', '--stdio'],
      elevation: { how: 'none' },
    });
    const list = () => must(['ip', 'netns', 'exec', NFT_HOST, 'nft', 'list', 'ruleset']);
    try {
      const access = new HelperAccess(client);
      await access.snapshot(request);
      const ns = (await discoverNamespaces()).namespaces.find((n) => n.name === NFT_HOST);
      assert.ok(ns);
      const before = await list();
      const preview = await access.addMapping(ns, spec, { dryRun: true });
      assert.match(preview.payload, /^add table ip netns-explorer$/m);
      const added = await access.addMapping(ns, spec, { expected: preview.plan });
      assert.equal(added.applied, true);
      assert.match(await list(), /tcp dport 18081 dnat to 10\.214\.0\.2:80/);
      assert.doesNotMatch(await must(['ip', 'netns', 'exec', NFT_HOST, 'iptables-save']), /18081/);
      // A plan the helper did not apply (the real one with its script changed) is refused.
      await assert.rejects(
        access.undoMapping(ns, { ...added.plan, nft: 'flush ruleset\n' }),
        /not made through this helper/,
      );
      await access.undoMapping(ns, added.plan);
      assert.equal(await list(), before, 'nft list ruleset is byte-identical to before');
    } finally {
      client.dispose();
    }
  });

  it('lets a non-root client run nothing outside the protocol', async () => {
    const marker = join(dir, 'pwned');
    const child = spawn(
      'runuser',
      ['-u', USER, '--', 'sudo', '-k', '-S', '-p', '', '--', process.execPath, cli, 'helper', '--stdio'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, i)) as Record<string, unknown>);
        buffer = buffer.slice(i + 1);
      }
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The helper closes its end when the over-long line comes: the rest of the write fails, as it should.
    child.stdin.on('error', () => undefined);
    child.stdin.write(`${PASSWORD}\n`);
    await eventually(async () => lines.some((l) => l.ready === true), 'the helper to be ready', 30_000);
    assert.equal(lines[0]?.uid, 0, 'the helper runs as root');
    const hostile: unknown[] = [
      { id: 1, op: 'run', params: { argv: ['touch', marker] } },
      { id: 2, op: 'exec', params: `touch ${marker}` },
      { id: 3, op: 'snapshot', params: { ...request, dockerDirs: [`/run/$(touch ${marker})`] } },
      { id: 4, op: 'snapshot', params: { ...request, dockerDirs: ['/etc'] } },
      { id: 5, op: 'snapshot', params: { ...request, argv: ['touch', marker] } },
      { id: 6, op: 'traceExtras', params: { namespaces: ['../../proc/1/ns/net'], concurrency: 1 } },
      {
        id: 7,
        op: 'addMapping',
        params: {
          namespace: '1',
          spec: { ...spec, hostIp: '0.0.0.0\n-A INPUT -j ACCEPT' },
          dryRun: false,
          expected: null,
        },
      },
      {
        id: 8,
        op: 'addMapping',
        params: { namespace: '1', spec: { ...spec, hostPort: 0 }, dryRun: false, expected: null },
      },
      { id: 9, op: 'removeMapping', params: { namespace: `1; touch ${marker}`, selector: spec, dryRun: false } },
      {
        id: 10,
        op: 'undoMapping',
        params: {
          namespace: '1',
          plan: {
            kind: 'add',
            family: 'ipv4',
            title: 't',
            owner: 'netns-explorer',
            ops: [{ op: 'append', table: 'filter', chain: 'INPUT', rule: '-j ACCEPT' }],
            before: {},
            spec: null,
            needsRouteLocalnet: false,
          },
        },
      },
      { id: 11, op: '__proto__', params: {} },
      { id: 12, op: 'snapshot', params: { ...request, concurrency: 1e9 } },
    ];
    for (const h of hostile) child.stdin.write(`${JSON.stringify(h)}\n`);
    child.stdin.write('not json at all; touch /tmp/x\n');
    await eventually(async () => lines.filter((l) => 'ok' in l).length >= hostile.length + 1, 'every answer');
    const answers = lines.filter((l) => 'ok' in l);
    assert.ok(
      answers.every((a) => a.ok === false),
      JSON.stringify(answers.filter((a) => a.ok !== false)),
    );
    assert.deepEqual(
      lines.filter((l) => l.event === 'command'),
      [],
      'the helper ran no command for any of them',
    );
    assert.ok(!existsSync(marker));
    // An over-long line ends the session.
    child.stdin.write('x'.repeat(5 * 1024 * 1024));
    assert.equal(await exited, 0);
    await eventually(async () => (await processesWith(cli)).length === 0, 'the helper to exit');
  });

  it('ends when its client is killed: no helper outlives it', async () => {
    // A client process (not this one) starts the helper, then is killed with SIGKILL.
    const script = join(dir, 'client.js');
    writeFileSync(
      script,
      `const { spawn } = require('child_process');
       const h = spawn(process.execPath, [${JSON.stringify(cli)}, 'helper', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
       h.stdout.once('data', () => process.stdout.write('ready ' + h.pid + '\\n'));
       setInterval(() => {}, 1000);`,
    );
    const client = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const helperPid = await new Promise<number>((resolve) =>
      client.stdout.once('data', (d: Buffer) => resolve(Number(/ready (\d+)/.exec(String(d))?.[1]))),
    );
    assert.ok(helperPid > 0);
    client.kill('SIGKILL');
    await eventually(async () => {
      try {
        process.kill(helperPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the helper to exit after its client died');
  });

  it('asks the container runtimes as root, for a user outside the docker group', async () => {
    const client = await HelperClient.start({
      command: [process.execPath, cli, 'helper', '--stdio'],
      elevation: { how: 'none' },
    });
    try {
      const info = await new HelperAccess(client).runtimes('unix:///run/nxh-no-docker.sock');
      assert.deepEqual(
        info.runtimes.map((r) => r.runtime),
        ['docker', 'podman', 'containerd'],
      );
      assert.equal(info.runtimes[0]?.status, 'unavailable', 'no daemon at that socket, said plainly');
      await assert.rejects(
        new HelperAccess(client).runtimes('unix:///home/u/docker.sock'),
        /under \/run or \/var\/run/,
      );
    } finally {
      client.dispose();
    }
  });

  it('reports a start failure as a HelperStartError', async () => {
    await assert.rejects(
      HelperClient.start({ command: ['/nonexistent/node', cli, 'helper', '--stdio'], elevation: { how: 'none' } }),
      (e: unknown) => e instanceof HelperStartError && e.kind === 'failed',
    );
  });
});
