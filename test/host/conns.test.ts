// Live connections on the lab, with real traffic: a TCP connection from the outside client through the lab host's
// published port 8080 (DNAT to nxl-web1:80) is held open; `conns --in nxl-host` lists what `conntrack -L` lists there,
// and the DNATed connection names the mapping whose rule translated it.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { parseConntrack } from '../../src/core/conntrack';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp, type LabState } from '../lab/lab';
import { requireRoot, runCli } from './helpers';

const tupleKey = (c: {
  protocol: string;
  original: { src: string; dst: string; sport: number | null; dport: number | null };
  reply: { src: string; dst: string; sport: number | null; dport: number | null };
}) =>
  [c.protocol, c.original.src, c.original.dst, c.original.sport, c.original.dport, c.reply.src, c.reply.dst].join(' ');

describe('conns on the lab (real traffic)', function () {
  this.timeout(180_000);
  let lab: LabState;
  let client: ChildProcess | null = null;
  const tool = new ExecRunner();

  before(async function () {
    requireRoot(this);
    lab = await labUp();
    // Held open as long as it lasts: nc keeps its end while its stdin stays open (the lab's server answers and closes,
    // so the entry may be CLOSE_WAIT by the time it is read).
    client = spawn('ip', ['netns', 'exec', 'nxl-out', 'busybox', 'nc', '198.18.0.1', '8080'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const direct = () => tool.run(['ip', 'netns', 'exec', 'nxl-host', 'conntrack', '-L', '-o', 'extended']);
    for (let i = 0; i < 50; i++) {
      const r = await direct();
      if (r.stdout.includes('dport=8080')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  });
  after(async () => {
    client?.kill();
    if (lab) await labDown();
  });

  it('lists what conntrack -L lists in that namespace, and ties the DNATed connection to its mapping', async () => {
    const direct = async () => {
      const r = await tool.run(['ip', 'netns', 'exec', 'nxl-host', 'conntrack', '-L', '-o', 'extended']);
      assert.equal(r.failure, null, r.stderr);
      return new Set(parseConntrack('x', r.stdout).map(tupleKey));
    };
    const before = await direct();
    const r = await runCli(['conns', '--in', 'nxl-host', '--json', '--docker-netns-dir', lab.dockerNetnsDir]);
    const after = await direct();
    assert.equal(r.exitCode, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as (Parameters<typeof tupleKey>[0] & {
      namespace: string;
      state: string | null;
      dnat: boolean;
      mapping: string | null;
    })[];
    const keys = new Set(listed.map(tupleKey));
    // Entries can come and go between reads: each side holds what both reads around it agree on.
    for (const k of before) if (after.has(k)) assert.ok(keys.has(k), `conntrack listed ${k}`);
    for (const k of keys) assert.ok(before.has(k) || after.has(k), `${k} is in conntrack's table`);
    assert.ok(listed.length >= 1);

    const held = listed.find((c) => c.original.dst === '198.18.0.1' && c.original.dport === 8080);
    assert.ok(held, `the held connection: ${JSON.stringify(listed)}`);
    assert.equal(held.original.src, '198.18.0.2');
    assert.equal(held.reply.src, '172.31.240.2', 'the reply comes from nxl-web1');
    assert.equal(held.reply.sport, 80);
    assert.equal(held.dnat, true);
    assert.match(
      held.mapping ?? '',
      /^ipv4\/tcp\/0\.0\.0\.0\/8080\/172\.31\.240\.2\/80\//,
      'the 8080 → nxl-web1:80 mapping',
    );

    const text = await runCli(['conns', '--in', 'nxl-host', '--docker-netns-dir', lab.dockerNetnsDir]);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(
      text.stdout,
      /tcp [A-Z_]+ 198\.18\.0\.2:\d+ → 198\.18\.0\.1:8080 ⇒ 172\.31\.240\.2:80 .*\[mapping 0\.0\.0\.0:8080\/tcp → 172\.31\.240\.2:80\]/,
    );
  });
});
