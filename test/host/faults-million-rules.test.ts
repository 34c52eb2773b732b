// A 1,000,000-rule dump: parsed and modelled inside a bounded heap (a child process with --max-old-space-size), nothing
// dropped.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { renderSnapshot } from '../../src/cli/render';
import type { Discovery, RawNamespaceData } from '../../src/core/model';
import { buildSnapshot } from '../../src/core/snapshot';

const RULES = 1_000_000;
const HEAP_LIMIT_MB = 1536;

/** kube-proxy-shaped: one DNAT in every hundred rules, the rest matches that jump or return. */
function millionRuleDump(): string {
  const lines = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':NXH-SERVICES - [0:0]',
    '[0:0] -A PREROUTING -m comment --comment "nxh services" -j NXH-SERVICES',
  ];
  for (let i = 1; i < RULES; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    lines.push(
      i % 100 === 0
        ? `[0:0] -A NXH-SERVICES -d ${ip}/32 -p tcp -m tcp --dport ${1 + (i % 65535)} -j DNAT --to-destination 172.16.${(i >> 8) & 255}.${i & 255}:80`
        : `[0:0] -A NXH-SERVICES -s ${ip}/32 -p tcp -m comment --comment "svc-${i}" -m tcp --dport ${1 + (i % 65535)} -j RETURN`,
    );
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** Runs in the child: parse and model the dump, then report heap and counts as one JSON line. */
function child(): void {
  const text = millionRuleDump();
  const ns = { id: '1', dev: 4, ino: 1, kind: 'host' as const, name: null, paths: [], processes: [] };
  const raw: RawNamespaceData[] = [
    {
      namespace: ns,
      ip: { command: 'ip', text: '[{"ifindex":1,"ifname":"lo","link_type":"loopback"}][][][]' },
      nat: [{ family: 'ipv4', source: 'iptables-save', command: 'iptables-save -c', text }],
      errors: [],
    },
  ];
  const discovery: Discovery = { namespaces: [ns], unreadable: 0, hostPidNamespace: null };
  const started = performance.now();
  const snapshot = buildSnapshot(discovery, raw, 'now');
  const ms = performance.now() - started;
  const cliBytes = renderSnapshot(snapshot).length;
  (globalThis as { gc?: () => void }).gc?.();
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  const rules = snapshot.nat[0]!.ruleCount;
  process.stdout.write(
    `${JSON.stringify({ rules, mappings: snapshot.portMappings.length, errors: snapshot.errors.length, heapMb, ms, cliBytes, textMb: text.length / 2 ** 20 })}\n`,
  );
}

if (process.env.NX_MILLION_CHILD) {
  child();
} else {
  describe('faults: a 1,000,000-rule dump', function () {
    this.timeout(300_000);
    it(`is parsed and modelled in full inside a ${HEAP_LIMIT_MB} MB heap`, () => {
      const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, '--expose-gc', __filename], {
        env: { ...process.env, NX_MILLION_CHILD: '1' },
        encoding: 'utf8',
        timeout: 240_000,
      });
      assert.equal(r.status, 0, `the child ran out of memory or failed: ${r.stderr.slice(-2000)}`);
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        rules: number;
        mappings: number;
        errors: number;
        heapMb: number;
        ms: number;
        cliBytes: number;
      };
      console.log(
        `      1M rules: heap ${result.heapMb.toFixed(0)} MB after GC, model built in ${(result.ms / 1000).toFixed(1)} s`,
      );
      assert.equal(result.rules, RULES, 'no rule dropped');
      assert.equal(result.mappings, RULES / 100 - 1, 'every DNAT became a port mapping');
      assert.equal(result.errors, 0);
      assert.ok(result.heapMb < HEAP_LIMIT_MB, `heap ${result.heapMb} MB`);
    });
  });
}
