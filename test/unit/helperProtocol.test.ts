// The helper's protocol check: every operation's valid form passes, every hostile or malformed one is refused without
// throwing, and a fuzz of random mutations never gets an unchecked value through.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { fuzzParams } from './fuzz-config';
import { chainRules } from '../../src/core/mapping/chainEdits';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { OPERATIONS, parseRequest, type Operation } from '../../src/host/helper/protocol';
import { privilegeArg, withoutElevation } from '../../src/cli/elevate';

const spec = { family: 'ipv4', protocol: 'tcp', hostIp: null, hostPort: 8080, targetIp: '10.0.0.2', targetPort: 80 };
const plan = {
  kind: 'add',
  family: 'ipv4',
  title: 'tcp 0.0.0.0:8080 -> 10.0.0.2:80',
  owner: 'netns-explorer',
  ops: [{ op: 'newChain', table: 'nat', chain: 'NETNS-EXPLORER' }],
  before: { nat: { 'NETNS-EXPLORER': null } },
  spec,
  needsRouteLocalnet: false,
};

const VALID: Record<Operation, Record<string, unknown>> = {
  snapshot: {
    dockerDirs: ['/var/run/docker/netns', '/run/LAB/exec/netns'],
    concurrency: 8,
    skipNat: false,
    changed: null,
  },
  traceExtras: { namespaces: ['4026531840'], concurrency: 4 },
  connections: { namespaces: ['4026531840', '4026532001'], concurrency: 8 },
  addMapping: { namespace: '4026531840', spec, dryRun: true, expected: null },
  removeMapping: {
    namespace: '4026531840',
    selector: { family: 'ipv6', protocol: 'udp', hostPort: 53, hostIp: '::1' },
    dryRun: false,
    allowForeign: false,
    expected: plan,
  },
  undoMapping: { namespace: '4026531840', plan },
  runtimes: { dockerHost: 'unix:///run/nxd/docker.sock' },
  cleanUpLeftovers: {
    namespace: '4026531840',
    family: 'ipv4',
    selection: { orphans: true, mappings: 'all' },
    dryRun: true,
    expected: null,
  },
  kernelTrace: {
    request: {
      source: { kind: 'outside', namespace: '4026531840', iface: 'eth0' },
      dst: '198.18.0.1',
      dport: 8080,
      protocol: 'tcp',
    },
    send: true,
    waitMs: 10_000,
  },
};

const line = (op: string, params: unknown, id = 7) => JSON.stringify({ id, op, params });

describe('helper protocol', () => {
  it('accepts an nft plan (a namespace whose NAT is nftables) and refuses one whose script is not text', () => {
    const nftPlan = { ...plan, ops: [], before: { 'ip netns-explorer': { mappings: null } }, nft: 'add table ip x\n' };
    assert.ok(parseRequest(line('undoMapping', { namespace: '4026531840', plan: nftPlan })).ok);
    assert.ok(!parseRequest(line('undoMapping', { namespace: '4026531840', plan: { ...nftPlan, nft: ['x'] } })).ok);
  });

  it('accepts the valid form of every operation', () => {
    for (const op of OPERATIONS) {
      const parsed = parseRequest(line(op, VALID[op]));
      assert.ok(parsed.ok, `${op}: ${JSON.stringify(parsed)}`);
      assert.equal(parsed.request.op, op);
      assert.equal(parsed.request.id, 7);
    }
  });

  const refused: [string, string][] = [
    ['not JSON', 'rm -rf /'],
    ['an array', '[1,2]'],
    ['no id', JSON.stringify({ op: 'snapshot', params: VALID.snapshot })],
    ['an unknown operation', line('run', { argv: ['id'] })],
    ['an inherited name as operation', line('constructor', {})],
    ['an extra top-level field', JSON.stringify({ id: 1, op: 'snapshot', params: VALID.snapshot, argv: ['id'] })],
    ['an extra parameter', line('snapshot', { ...VALID.snapshot, argv: ['id'] })],
    ['a relative docker folder', line('snapshot', { ...VALID.snapshot, dockerDirs: ['run/x'] })],
    ['a docker folder outside /run', line('snapshot', { ...VALID.snapshot, dockerDirs: ['/etc'] })],
    ['a docker folder with ..', line('snapshot', { ...VALID.snapshot, dockerDirs: ['/run/../etc'] })],
    ['a docker folder with a newline', line('snapshot', { ...VALID.snapshot, dockerDirs: ['/run/x\ny'] })],
    ['too many docker folders', line('snapshot', { ...VALID.snapshot, dockerDirs: Array(17).fill('/run/x') })],
    ['a docker socket outside /run', line('runtimes', { dockerHost: 'unix:///etc/shadow' })],
    ['a tcp docker endpoint', line('runtimes', { dockerHost: 'tcp://127.0.0.1:2375' })],
    ['a huge concurrency', line('snapshot', { ...VALID.snapshot, concurrency: 1e6 })],
    ['a fractional concurrency', line('snapshot', { ...VALID.snapshot, concurrency: 1.5 })],
    ['a namespace path', line('traceExtras', { namespaces: ['/proc/1/ns/net'], concurrency: 1 })],
    ['a namespace with an option', line('addMapping', { ...VALID.addMapping, namespace: '-1' })],
    ['port 0', line('addMapping', { ...VALID.addMapping, spec: { ...spec, hostPort: 0 } })],
    ['port 65536', line('addMapping', { ...VALID.addMapping, spec: { ...spec, targetPort: 65536 } })],
    ['a port as text', line('addMapping', { ...VALID.addMapping, spec: { ...spec, hostPort: '80' } })],
    [
      'an address with a rule appended',
      line('addMapping', { ...VALID.addMapping, spec: { ...spec, hostIp: '0.0.0.0\n-A INPUT -j ACCEPT' } }),
    ],
    ['an address of the other family', line('addMapping', { ...VALID.addMapping, spec: { ...spec, targetIp: '::1' } })],
    [
      'an address not in canonical form',
      line('addMapping', { ...VALID.addMapping, spec: { ...spec, targetIp: '010.0.0.2' } }),
    ],
    ['a protocol outside the list', line('addMapping', { ...VALID.addMapping, spec: { ...spec, protocol: 'icmp' } })],
    ['dryRun as text', line('addMapping', { ...VALID.addMapping, dryRun: 'false' })],
    [
      'a kernel trace to an interface name with a slash',
      line('kernelTrace', {
        ...VALID.kernelTrace,
        request: {
          ...(VALID.kernelTrace.request as object),
          source: { kind: 'outside', namespace: '1', iface: '../x' },
        },
      }),
    ],
    ['a kernel trace with an unbounded wait', line('kernelTrace', { ...VALID.kernelTrace, waitMs: 1e9 })],
    [
      'a kernel trace to an address with an nft statement appended',
      line('kernelTrace', {
        ...VALID.kernelTrace,
        request: { ...(VALID.kernelTrace.request as object), dst: '198.18.0.1 accept' },
      }),
    ],
    ['a plan with extra fields', line('undoMapping', { namespace: '1', plan: { ...plan, argv: ['id'] } })],
    [
      'a plan whose op has extra fields',
      line('undoMapping', { namespace: '1', plan: { ...plan, ops: [{ op: 'x', shell: 'id' }] } }),
    ],
    [
      'a cleanup name with a control character',
      line('cleanUpLeftovers', {
        ...VALID.cleanUpLeftovers,
        selection: { orphans: false, mappings: ['a\u0007b'] },
      }),
    ],
  ];
  for (const [what, text] of refused) {
    it(`refuses ${what}, without echoing it`, () => {
      const parsed = parseRequest(text);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.ok(['invalid', 'unknown-op'].includes(parsed.error.kind));
      assert.ok(!parsed.error.message.includes('ACCEPT') && !parsed.error.message.includes('rm -rf'));
    });
  }

  /** Near-valid requests: each field kept, dropped, or replaced by any JSON value; sometimes a field added. */
  function nearValid(value: unknown, depth = 0): fc.Arbitrary<unknown> {
    const replaced = fc.jsonValue({ maxDepth: 2 });
    if (depth > 3 || typeof value !== 'object' || value === null) return fc.oneof(fc.constant(value), replaced);
    if (Array.isArray(value))
      return fc.oneof(fc.tuple(...value.map((v) => nearValid(v, depth + 1))), replaced) as fc.Arbitrary<unknown>;
    const fields = Object.entries(value).map(([k, v]) =>
      fc.option(nearValid(v, depth + 1), { nil: undefined, freq: 10 }).map((x) => [k, x] as const),
    );
    return fc
      .tuple(fc.tuple(...fields), fc.option(fc.tuple(fc.string({ maxLength: 8 }), replaced), { freq: 10 }))
      .map(([kept, extra]) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of kept) if (v !== undefined) out[k] = v;
        if (extra) out[extra[0]] = extra[1];
        return out;
      });
  }

  it('never throws on near-valid requests (fast-check), and what passes re-parses to itself', () => {
    let passed = 0;
    let refused = 0;
    const request = fc
      .constantFrom(...OPERATIONS)
      .chain((op) => fc.tuple(fc.constant(op), nearValid(VALID[op]), fc.oneof(fc.nat(), fc.jsonValue())));
    fc.assert(
      fc.property(request, ([op, params, id]) => {
        const parsed = parseRequest(JSON.stringify({ id, op, params }));
        if (!parsed.ok) {
          refused++;
          return;
        }
        passed++;
        const again = parseRequest(JSON.stringify(parsed.request));
        assert.ok(again.ok);
        assert.deepEqual(again.request, parsed.request);
      }),
      fuzzParams(0x4e1f, 5000),
    );
    assert.ok(passed > 0 && refused > 0, `${passed} passed, ${refused} refused`);
  });
});

describe('CLI elevation arguments', () => {
  it('finds --privilege in either spelling and replaces it with none for the elevated run', () => {
    assert.equal(privilegeArg(['snapshot', '--privilege', 'sudo']), 'sudo');
    assert.equal(privilegeArg(['trace', '--privilege=pkexec', '--to', '1.2.3.4:80']), 'pkexec');
    assert.equal(privilegeArg(['snapshot']), undefined);
    assert.deepEqual(withoutElevation(['snapshot', '--privilege', 'sudo', '--json']), [
      'snapshot',
      '--json',
      '--privilege',
      'none',
    ]);
    assert.deepEqual(withoutElevation(['map', 'ls', '--privilege=sudo', '--in', 'x']), [
      'map',
      'ls',
      '--in',
      'x',
      '--privilege',
      'none',
    ]);
  });
});

describe('chain contents of a table not made yet', () => {
  it('treats the built-in chains of an absent table as empty, and other chains as missing', () => {
    const dump = parseIptablesSave('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n');
    assert.deepEqual(chainRules(dump, 'filter', 'FORWARD'), []);
    assert.deepEqual(chainRules(dump, 'raw', 'PREROUTING'), []);
    assert.equal(chainRules(dump, 'filter', 'NETNS-EXPLORER-FWD'), null);
    assert.equal(chainRules(dump, 'nat', 'NETNS-EXPLORER'), null);
    assert.deepEqual(chainRules(dump, 'nat', 'PREROUTING'), []);
  });
});
