// "Why doesn't this work?": the places a mapping is traced from, and the answer first, on the replayed lab recording.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { parseSs } from '../../src/core/listeners';
import type { NamespaceExtras } from '../../src/core/trace/types';
import { diagnose, mappingSources } from '../../src/core/trace/diagnose';
import { renderTrace } from '../../src/core/trace/render';
import { traceConnection } from '../../src/core/trace/trace';
import { collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';

const FIXTURES = join(__dirname, '../../../test/fixtures');

async function lab() {
  const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
  const snapshot = await collectSnapshot(replay, replay.discovery);
  const extras = new Map<string, NamespaceExtras>(
    snapshot.namespaces.map((n) => [
      n.id,
      {
        listeners: parseSs('tcp LISTEN 0 511 *:80 *:* users:(("httpd",pid=42,fd=6))').listeners,
        sysctls: { 'ipv4/ip_forward': '1', 'bridge/bridge-nf-call-iptables': '1' },
        errors: [],
      },
    ]),
  );
  return { snapshot, extras };
}

describe("why doesn't this work: answers first", () => {
  it('traces the 198.18.0.1:9090 mapping from outside, the host and a neighbour; the binding reason leads', async () => {
    const { snapshot, extras } = await lab();
    const m = snapshot.portMappings.find((x) => x.hostIp === '198.18.0.1' && x.hostPort === 9090);
    assert.ok(m, 'the lab publishes 198.18.0.1:9090');
    const sources = mappingSources(snapshot, m);
    assert.ok(sources.some((s) => s.request.source.kind === 'outside'));
    assert.ok(sources.some((s) => s.request.source.kind === 'local' && s.request.source.namespace === m.namespace));
    const neighbour = sources.find((s) => s.label.includes('(on nxlbr0)'));
    assert.ok(neighbour, `a neighbour on the bridge: ${sources.map((s) => s.label).join(' | ')}`);
    assert.equal(neighbour.request.dst, '172.31.240.1', 'it aims at the bridge address, as containers reach the host');
    const d = diagnose(sources.map((s) => ({ label: s.label, result: traceConnection(snapshot, extras, s.request) })));
    const firstLine = d.answer.split('\n')[0]!;
    assert.match(
      firstLine,
      /^From .*\(on nxlbr0\) → 172\.31\.240\.1:9090: The mapping is bound to 198\.18\.0\.1, not 172\.31\.240\.1: connect to 198\.18\.0\.1:9090, or map the port on all addresses/,
    );
    assert.notEqual(d.results[0]!.result.verdict.kind, 'delivered', 'failing places come first');
    assert.ok(
      d.results.some((r) => r.result.verdict.kind === 'delivered'),
      'from outside, through 198.18.0.1, it works',
    );
  });

  it('says it works from every place when nothing fails, and the text trace leads with the answer', async () => {
    const { snapshot, extras } = await lab();
    const m = snapshot.portMappings.find((x) => x.hostIp === '0.0.0.0' && x.hostPort === 8080 && x.protocol === 'tcp');
    assert.ok(m);
    const sources = mappingSources(snapshot, m).filter((s) => s.request.source.kind === 'outside');
    const d = diagnose(sources.map((s) => ({ label: s.label, result: traceConnection(snapshot, extras, s.request) })));
    assert.match(d.answer, /^Works from all \d+ places tried/);
    const refused = traceConnection(snapshot, extras, {
      source: { kind: 'local', namespace: m.targetNamespace! },
      dst: m.targetIp,
      dport: 8088,
      protocol: 'tcp',
    });
    const lines = renderTrace(snapshot, refused).split('\n');
    assert.match(
      lines[2]!,
      /^answer: Nothing listens on tcp .*:8088 here; listening for tcp: \*:80 \(httpd\): connect to port 80/,
    );
  });
});
