// Port mappings on the real kernel (lab): traffic through new mappings, exact restore, conflicts, rollback, races,
// hostile input.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSave } from '../../src/core/mapping/chainEdits';
import type { MappingSpec } from '../../src/core/mapping/types';
import { discoverNamespaces } from '../../src/host/discovery';
import {
  addMapping,
  MappingError,
  removeMapping,
  undoMapping,
  type MappingTarget,
} from '../../src/host/portMapping/apply';
import { resolveNamespace } from '../../src/core/namespaceRef';
import { ExecRunner } from '../../src/host/runner';
import { LAB_PROCESS_MARKER, labDown, labUp, type LabState } from '../lab/lab';
import { REPO, requireRoot, runCli } from './helpers';

const runner = new ExecRunner({ timeoutMs: 15_000 });
const CLIENT = join(REPO, 'test/lab/client.js');
const SERVER = join(REPO, 'test/lab/server.js');
/** A hand-written user rule in each table we touch, and a hand-written DNAT (a conflict test uses it). */
const USER_RULES =
  '*filter\n-A INPUT -p tcp -m tcp --dport 2222 -m comment --comment "my own rule" -j ACCEPT\nCOMMIT\n*nat\n-A PREROUTING -d 198.18.0.1/32 -p tcp -m tcp --dport 7070 -j DNAT --to-destination 172.31.240.3:80\nCOMMIT\n';

async function request(fromNs: string, host: string, port: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<string> {
  const r = await runner.run(
    ['ip', 'netns', 'exec', fromNs, process.execPath, CLIENT, host, String(port), proto, '2000'],
    { timeoutMs: 10_000 },
  );
  return r.failure ? `failed: ${r.stderr.trim()}` : r.stdout.trim();
}

async function save(family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<string> {
  const r = await runner.run([
    'ip',
    'netns',
    'exec',
    'nxl-host',
    family === 'ipv4' ? 'iptables-save' : 'ip6tables-save',
  ]);
  assert.equal(r.failure, null, r.stderr);
  return normalizeSave(r.stdout);
}

async function bridgeHairpin(state: 'on' | 'off'): Promise<void> {
  const r = await runner.run([
    'ip',
    'netns',
    'exec',
    'nxl-host',
    'bridge',
    'link',
    'set',
    'dev',
    'nxlv-web1',
    'hairpin',
    state,
  ]);
  assert.equal(r.failure, null, r.stderr);
}

/** The dump without our chains and rules: what must stay byte-identical while mappings exist. */
const others = (text: string) =>
  text
    .split('\n')
    .filter((l) => !/NETNS-EXPLORER|netns-explorer:/.test(l))
    .join('\n');

function map(...args: string[]) {
  return runCli(['map', ...args], {}, 60_000);
}

describe('port mappings on the lab (needs root)', function () {
  this.timeout(120_000);
  let lab: LabState;
  let baseline: string;
  let baseline6: string;
  let target: MappingTarget;
  const timings: Record<string, number> = {};

  before(async function () {
    requireRoot(this);
    lab = await labUp();
    const r = await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables-restore', '--noflush'], {
      input: USER_RULES,
    });
    assert.equal(r.failure, null, r.stderr);
    baseline = await save();
    baseline6 = await save('ipv6');
    const discovery = await discoverNamespaces({ dockerDirs: [lab.dockerNetnsDir] });
    const ns = resolveNamespace(discovery.namespaces, 'nxl-host');
    assert.ok(typeof ns !== 'string', String(ns));
    target = { runner, namespace: ns };
  });

  after(async function () {
    if (process.getuid?.() === 0) await labDown();
    if (Object.keys(timings).length) console.log(`      timings (ms): ${JSON.stringify(timings)}`);
  });

  afterEach(async function () {
    // Every test leaves nxl-host's rules exactly as the baseline.
    if (lab) assert.equal(await save(), baseline, 'iptables-save of nxl-host is back to the baseline');
  });

  it('CLI: map add makes TCP from nxl-out to 198.18.0.1:18080 reach nxl-web1, from nxl-host too; map rm restores iptables-save exactly', async () => {
    assert.match(await request('nxl-out', '198.18.0.1', 18080), /^failed/);
    let started = Date.now();
    const add = await map('add', '--in', 'nxl-host', '--host-port', '18080', '--to', '172.31.240.2:80');
    timings.cliAdd = Date.now() - started;
    assert.equal(add.exitCode, 0, add.stderr);
    assert.match(add.stdout, /added tcp 0\.0\.0\.0:18080 -> 172\.31\.240\.2:80/);
    assert.equal(await request('nxl-out', '198.18.0.1', 18080), 'nxl:nxl-web1:80', 'outside client, PREROUTING path');
    assert.equal(await request('nxl-host', '198.18.0.1', 18080), 'nxl:nxl-web1:80', 'the host itself, OUTPUT path');
    assert.equal(
      await request('nxl-host', '172.31.240.1', 18080),
      'nxl:nxl-web1:80',
      'the host, via its bridge address',
    );
    // Hairpin: with br_netfilter the DNAT happens as the frame is bridged, so it goes back out the port it came
    // in on; that needs the port's hairpin mode, which Docker sets too. The MASQUERADE makes the reply come back.
    await bridgeHairpin('on');
    try {
      assert.equal(
        await request('nxl-web1', '198.18.0.1', 18080),
        'nxl:nxl-web1:80',
        'hairpin: the container reaches its own published port',
      );
    } finally {
      await bridgeHairpin('off');
    }
    assert.equal(await request('nxl-web2', '198.18.0.1', 18080), 'nxl:nxl-web1:80', 'another container on the bridge');
    assert.match(
      await request('nxl-host', '127.0.0.1', 18080),
      /^failed/,
      'loopback is not caught by an every-address mapping (as Docker without its proxy)',
    );
    assert.equal(others(await save()), others(baseline), 'Docker-shaped and hand-written rules untouched');
    const ls = await map('ls', '--in', 'nxl-host', '--json');
    const listed = (JSON.parse(ls.stdout) as { hostPort: number; owner: string; hooks: string[] }[]).find(
      (m) => m.hostPort === 18080,
    );
    assert.equal(listed?.owner, 'netns-explorer');
    assert.deepEqual([...listed!.hooks].sort(), ['OUTPUT', 'PREROUTING']);

    started = Date.now();
    const rm = await map('rm', '--in', 'nxl-host', '--host-port', '18080');
    timings.cliRm = Date.now() - started;
    assert.equal(rm.exitCode, 0, rm.stderr);
    assert.match(await request('nxl-out', '198.18.0.1', 18080), /^failed/, 'the connection fails after rm');
    assert.match(await request('nxl-host', '198.18.0.1', 18080), /^failed/);
  });

  it('UDP from outside and from the host; an IPv6 mapping through ip6tables-restore', async () => {
    const udp: MappingSpec = {
      family: 'ipv4',
      protocol: 'udp',
      hostIp: null,
      hostPort: 15353,
      targetIp: '172.31.240.3',
      targetPort: 53,
    };
    const started = Date.now();
    const added = await addMapping(target, udp);
    timings.apiAdd = Date.now() - started;
    assert.equal(await request('nxl-out', '198.18.0.1', 15353, 'udp'), 'nxl:nxl-web2:53');
    assert.equal(await request('nxl-host', '198.18.0.1', 15353, 'udp'), 'nxl:nxl-web2:53');
    const v6: MappingSpec = {
      family: 'ipv6',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 18086,
      targetIp: 'fd00:6e78::2',
      targetPort: 80,
    };
    const added6 = await addMapping(target, v6);
    assert.match(added6.argv.join(' '), /ip6tables-restore --noflush -w$/);
    assert.equal(await request('nxl-out', 'fd00:6e79::1', 18086), 'nxl:nxl-web1:80');
    await removeMapping(target, { family: 'udp' === udp.protocol ? 'ipv4' : 'ipv6', protocol: 'udp', hostPort: 15353 });
    await removeMapping(target, { family: 'ipv6', protocol: 'tcp', hostPort: 18086 });
    assert.match(await request('nxl-out', '198.18.0.1', 15353, 'udp'), /^failed/);
    assert.match(await request('nxl-out', 'fd00:6e79::1', 18086), /^failed/);
    assert.equal(await save('ipv6'), baseline6, 'ip6tables-save is back exactly');
    assert.equal(added.plan.ops.length, 11);
  });

  it('Docker-shaped and hand-written rules stay byte-identical through any sequence of creates and deletes', async () => {
    const spec = (port: number, targetIp = '172.31.240.2', hostIp: string | null = null): MappingSpec => ({
      family: 'ipv4',
      protocol: 'tcp',
      hostIp,
      hostPort: port,
      targetIp,
      targetPort: 80,
    });
    const steps: [string, () => Promise<unknown>][] = [
      ['add 18101', () => addMapping(target, spec(18101))],
      ['add 18102 on 198.18.0.1', () => addMapping(target, spec(18102, '172.31.240.3', '198.18.0.1'))],
      ['rm 18101', () => removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 18101 })],
      ['add 18103', () => addMapping(target, spec(18103, '172.31.240.5'))],
      ['add 18101 again', () => addMapping(target, spec(18101))],
      [
        'rm 18102',
        () => removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 18102, hostIp: '198.18.0.1' }),
      ],
      ['rm 18103', () => removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 18103 })],
    ];
    for (const [name, step] of steps) {
      await step();
      assert.equal(others(await save()), others(baseline), `after ${name}`);
    }
    assert.equal(await request('nxl-out', '198.18.0.1', 18101), 'nxl:nxl-web1:80');
    await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 18101 });
  });

  it('refuses conflicts, naming the other side: Docker, another mapping, a hand-written DNAT, a listening process', async () => {
    const docker = await map('add', '--in', 'nxl-host', '--host-port', '8080', '--to', '172.31.240.3:80');
    assert.equal(docker.exitCode, 1);
    assert.match(
      docker.stderr,
      /refused: 0\.0\.0\.0:8080\/tcp is already published by Docker: 0\.0\.0\.0:8080\/tcp → 172\.31\.240\.2:80/,
    );
    const bound = await map(
      'add',
      '--in',
      'nxl-host',
      '--host-port',
      '9090',
      '--host-ip',
      '198.18.0.1',
      '--to',
      '172.31.240.2:80',
    );
    assert.match(bound.stderr, /already published by Docker/);
    const hand = await map('add', '--in', 'nxl-host', '--host-port', '7070', '--to', '172.31.240.2:80');
    assert.match(
      hand.stderr,
      /already published by a hand-written rule: 198\.18\.0\.1:7070\/tcp → 172\.31\.240\.3:80 \(nat\/PREROUTING rule \d+\)/,
    );

    await addMapping(target, {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 18110,
      targetIp: '172.31.240.2',
      targetPort: 80,
    });
    const again = await map('add', '--in', 'nxl-host', '--host-port', '18110', '--to', '172.31.240.3:80');
    assert.equal(again.exitCode, 1);
    assert.match(
      again.stderr,
      /already published by Netns Explorer \(another mapping\): 0\.0\.0\.0:18110\/tcp → 172\.31\.240\.2:80/,
    );
    await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 18110 });

    const dir = mkdtempSync(join(tmpdir(), 'nxm-listen-'));
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        'nxl-host',
        process.execPath,
        SERVER,
        LAB_PROCESS_MARKER,
        '--name',
        'squatter',
        '--tcp',
        '18111',
        '--ready',
        join(dir, 'ready'),
      ],
      { stdio: 'ignore' },
    );
    try {
      for (let i = 0; i < 200 && !existsSync(join(dir, 'ready')); i++) await new Promise((r) => setTimeout(r, 25));
      const pid = readFileSync(join(dir, 'ready'), 'utf8').trim();
      const busy = await map('add', '--in', 'nxl-host', '--host-port', '18111', '--to', '172.31.240.2:80');
      assert.equal(busy.exitCode, 1);
      assert.match(busy.stderr, new RegExp(`"node" \\(pid ${pid}\\) already listens on \\*:18111/tcp`));
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rollback: when the filter half fails after the nat half committed, every chain is restored exactly and the error says so', async () => {
    let created = '';
    const spec: MappingSpec = {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 18120,
      targetIp: '172.31.240.2',
      targetPort: 80,
    };
    const failing: MappingTarget = {
      ...target,
      // Someone else makes a chain of our filter chain's name between the plan and the apply: `-N` fails.
      beforeApply: async () => {
        const r = await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables', '-N', 'NETNS-EXPLORER-FWD']);
        assert.equal(r.failure, null, r.stderr);
        created = await save();
      },
    };
    await assert.rejects(addMapping(failing, spec), (e: unknown) => {
      assert.ok(e instanceof MappingError);
      assert.equal(e.details.rolledBack, true);
      assert.match(e.message, /Chain already exists/);
      assert.match(e.message, /restored to exactly what they were/);
      return true;
    });
    assert.equal(await save(), created, 'byte-identical to the state right before the apply');
    assert.match(await request('nxl-out', '198.18.0.1', 18120), /^failed/);
    const cleanup = await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables', '-X', 'NETNS-EXPLORER-FWD']);
    assert.equal(cleanup.failure, null, cleanup.stderr);
  });

  it('two map add processes racing for the same port: exactly one wins, no duplicate rules', async () => {
    const args = (to: string) => ['add', '--in', 'nxl-host', '--host-port', '18130', '--to', to];
    const results = await Promise.all([
      map(...args('172.31.240.2:80')),
      map(...args('172.31.240.3:80')),
      map(...args('172.31.240.5:80')),
    ]);
    const winners = results.filter((r) => r.exitCode === 0);
    assert.equal(winners.length, 1, results.map((r) => `${r.exitCode}: ${r.stderr}`).join('\n'));
    for (const loser of results.filter((r) => r.exitCode !== 0))
      assert.match(loser.stderr, /already published by Netns Explorer/);
    const dump = await save();
    assert.equal(dump.split('\n').filter((l) => l.includes('--dport 18130') && l.includes('DNAT')).length, 1);
    assert.equal(
      dump.split('\n').filter((l) => l.includes('netns-explorer: hook') && l.startsWith('-A PREROUTING')).length,
      1,
    );
    const rm = await map('rm', '--in', 'nxl-host', '--host-port', '18130');
    assert.equal(rm.exitCode, 0, rm.stderr);
  });

  it("Docker's mapping: refused without --force, naming Docker and the rules; deleted with it; undo puts every rule back in place", async () => {
    const refused = await map('rm', '--in', 'nxl-host', '--host-port', '8080');
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /made by docker, who may recreate it/);
    assert.match(
      refused.stderr,
      /-A DOCKER ! -i nxlbr0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172\.31\.240\.2:80/,
    );
    assert.match(
      refused.stderr,
      /-A DOCKER -d 172\.31\.240\.2\/32 ! -i nxlbr0 -o nxlbr0 -p tcp -m tcp --dport 80 -j ACCEPT/,
    );
    assert.equal(await request('nxl-out', '198.18.0.1', 8080), 'nxl:nxl-web1:80');
    await assert.rejects(
      removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 8080 }),
      (e: unknown) => e instanceof MappingError && e.kind === 'foreign',
    );
    const removed = await removeMapping(
      target,
      { family: 'ipv4', protocol: 'tcp', hostPort: 8080 },
      { allowForeign: true },
    );
    assert.equal(removed.plan.owner, 'docker');
    assert.match(await request('nxl-out', '198.18.0.1', 8080), /^failed/);
    await undoMapping(target, removed.plan);
    assert.equal(await request('nxl-out', '198.18.0.1', 8080), 'nxl:nxl-web1:80');
  });

  it('undo of an add removes exactly what it added', async () => {
    const added = await addMapping(target, {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: '198.18.0.1',
      hostPort: 18140,
      targetIp: '172.31.240.2',
      targetPort: 80,
    });
    assert.equal(await request('nxl-out', '198.18.0.1', 18140), 'nxl:nxl-web1:80');
    await undoMapping(target, added.plan);
    assert.match(await request('nxl-out', '198.18.0.1', 18140), /^failed/);
  });

  it('a plan made stale by another tool between preview and apply is refused, and nothing is applied', async () => {
    const spec: MappingSpec = {
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: null,
      hostPort: 18150,
      targetIp: '172.31.240.2',
      targetPort: 80,
    };
    const preview = await addMapping(target, spec, { dryRun: true });
    // Another tool edits a chain the plan touches (PREROUTING gets its hook) after the user saw the preview.
    const other = '-A PREROUTING -p tcp -m tcp --dport 18151 -j ACCEPT';
    assert.equal(
      (
        await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables-restore', '--noflush'], {
          input: `*nat\n${other}\nCOMMIT\n`,
        })
      ).failure,
      null,
    );
    const changed = await save();
    await assert.rejects(
      addMapping(target, spec, { expected: preview.plan }),
      (e: unknown) => e instanceof MappingError && e.kind === 'stale' && /changed after the preview/.test(e.message),
    );
    assert.equal(await save(), changed, 'nothing was applied');
    assert.equal(
      (
        await runner.run([
          'ip',
          'netns',
          'exec',
          'nxl-host',
          'iptables',
          '-t',
          'nat',
          '-D',
          'PREROUTING',
          '-p',
          'tcp',
          '-m',
          'tcp',
          '--dport',
          '18151',
          '-j',
          'ACCEPT',
        ])
      ).failure,
      null,
    );
    // With nothing changed since the preview, the same call applies.
    const fresh = await addMapping(target, spec, { dryRun: true });
    await addMapping(target, spec, { expected: fresh.plan });
    await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostPort: 18150 });
  });

  it('hostile input is rejected before any command runs (a PATH of recording fake tools stays silent)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nxm-fake-'));
    const log = join(dir, 'calls.log');
    try {
      for (const tool of [
        'iptables-restore',
        'iptables-save',
        'ip6tables-restore',
        'ip6tables-save',
        'iptables',
        'ss',
        'nsenter',
        'ip',
        'sudo',
        'pkexec',
        'flock',
        'sysctl',
      ]) {
        writeFileSync(join(dir, tool), `#!/bin/sh\necho "${tool} $*" >> ${log}\nexit 1\n`);
        chmodSync(join(dir, tool), 0o755);
      }
      const env = { PATH: `${dir}:${process.env.PATH ?? ''}` };
      const base = ['--in', 'nxl-host', '--host-port', '18150', '--to', '172.31.240.2:80'];
      const hostile: string[][] = [
        ...['0', '65536', 'abc', '80;reboot'].map((p) => [
          'add',
          '--in',
          'nxl-host',
          '--host-port',
          p,
          '--to',
          '172.31.240.2:80',
        ]),
        ...['0', '65536', 'abc', '80;reboot'].map((p) => [
          'add',
          '--in',
          'nxl-host',
          '--host-port',
          '18150',
          '--to',
          `172.31.240.2:${p}`,
        ]),
        ['add', ...base, '--host-ip', '1.2.3.4; rm -rf /'],
        ['add', ...base, '--host-ip', '--help'],
        ['add', ...base, '--host-ip=--help'],
        ['add', '--in', 'nxl-host', '--host-port', '18150', '--to', '1.2.3.4; rm -rf /:80'],
        ['add', '--in=-nxl-host', '--host-port', '18150', '--to', '172.31.240.2:80'],
        ['rm', '--in=--help', '--host-port', '18150'],
        ['rm', '--in', 'nxl-host', '--host-port', '80;reboot'],
        ['add', ...base, '--proto', 'tcp;reboot'],
      ];
      for (const args of hostile) {
        const r = await runCli(['map', ...args], env);
        assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.equal(existsSync(log), false, `no command ran for ${args.join(' ')}`);
      }
      // The control: a valid command does reach the fake tools, so the silence above means something.
      const control = await runCli(['map', 'ls', '--in', 'nxl-host'], env);
      assert.equal(control.exitCode, 1);
      assert.match(readFileSync(log, 'utf8'), /^nsenter --net=\/run\/netns\/nxl-host -- iptables-save/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
