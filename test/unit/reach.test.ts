// The reachability matrix on the replayed lab recording: its axes, its cells (each the trace's answer), grouping, and
// the exports, which must keep untrusted names harmless.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { parseSs } from '../../src/core/listeners';
import type { Snapshot } from '../../src/core/model';
import { cellRequest, computeMatrix } from '../../src/core/reach/matrix';
import {
  csvField,
  groupMatrix,
  renderReachCsv,
  renderReachMarkdown,
  renderReachText,
} from '../../src/core/reach/render';
import { reachColumns, reachRows } from '../../src/core/reach/targets';
import { snapshotWith, whatIf } from '../../src/core/reach/whatIf';
import { planAdd, planRemoveOwn } from '../../src/core/mapping/plan';
import { traceConnection } from '../../src/core/trace/trace';
import type { NamespaceExtras } from '../../src/core/trace/types';
import { collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';

const FIXTURES = join(__dirname, '../../../test/fixtures');

async function lab(listen = 'tcp LISTEN 0 511 *:80 *:* users:(("httpd",pid=42,fd=6))') {
  const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
  const snapshot = await collectSnapshot(replay, replay.discovery);
  const extras = new Map<string, NamespaceExtras>(
    snapshot.namespaces.map((n) => [
      n.id,
      {
        listeners: n.name === 'nxl-web1' ? parseSs(listen).listeners : [],
        sysctls: { 'ipv4/ip_forward': '1', 'ipv6/conf/all/forwarding': '1', 'bridge/bridge-nf-call-iptables': '1' },
        errors: [],
      },
    ]),
  );
  return { snapshot, extras };
}

const byName = (s: Snapshot, name: string) => s.namespaces.find((n) => n.name === name)!;

describe('reachability matrix', () => {
  it('rows: every namespace, and the outside on each uplink of a namespace publishing ports', async () => {
    const { snapshot } = await lab();
    const rows = reachRows(snapshot);
    const host = byName(snapshot, 'nxl-host');
    for (const ns of snapshot.namespaces) assert.ok(rows.some((r) => r.key === ns.id));
    const outside = rows.filter((r) => r.source.kind === 'outside');
    assert.deepEqual(
      outside.map((r) => r.key),
      [`outside:eth0@${host.id}`],
      'the lab host publishes ports and has one uplink',
    );
    assert.equal(outside[0]!.from, 'outside:eth0');
    assert.deepEqual(
      reachRows(snapshot, { from: ['outside:eth0'] }).map((r) => r.key),
      [`outside:eth0@${host.id}`],
    );
  });

  it('columns: a wildcard socket under each global address; a published port under each host address and loopback', async () => {
    const { snapshot, extras } = await lab();
    const web1 = byName(snapshot, 'nxl-web1');
    const host = byName(snapshot, 'nxl-host');
    const cols = reachColumns(snapshot, extras);
    const sockets = cols.filter((c) => c.kind === 'listener' && c.namespace === web1.id).map((c) => c.ip);
    assert.deepEqual(sockets.sort(), ['172.31.240.2', 'fd00:6e78::2'], 'both families of a dual-stack socket');
    const published8080 = cols.filter((c) => c.kind === 'published' && c.port === 8080 && c.namespace === host.id);
    assert.ok(published8080.some((c) => c.ip === '198.18.0.1'));
    assert.ok(
      published8080.some((c) => c.ip === '172.31.240.1'),
      'the bridge address containers dial',
    );
    const loop = published8080.find((c) => c.ip === '127.0.0.1');
    assert.equal(loop?.onlyFrom, host.id, '127.0.0.1 only from the host itself');
    const bound = cols.filter((c) => c.port === 9090);
    assert.deepEqual(
      bound.map((c) => c.ip),
      ['198.18.0.1'],
      'a mapping bound to one address is dialled there only',
    );
    assert.ok(published8080.every((c) => c.target?.namespace === web1.id || c.target?.ip.includes(':')));
    assert.deepEqual(
      reachColumns(snapshot, extras, { to: [web1.id] }).filter((c) => c.kind === 'listener').length,
      2,
      '--to keeps that namespace’s sockets (and the ports published to it)',
    );
  });

  it('each cell is the trace of its request: verdict, reply and connected; loopback cells only from home', async () => {
    const { snapshot, extras } = await lab();
    const m = computeMatrix(snapshot, extras);
    assert.ok(m.cells.length > 50);
    for (const cell of m.cells.filter((_, i) => i % 7 === 0)) {
      const t = traceConnection(snapshot, extras, cellRequest(m.rows[cell.row]!, m.columns[cell.column]!));
      assert.deepEqual(cell.verdict, t.verdict);
      assert.deepEqual(cell.reply, t.reply);
      assert.equal(cell.connected, t.connected);
      if (cell.verdict.kind !== 'delivered') assert.equal(cell.reply, null);
    }
    for (const cell of m.cells) {
      const col = m.columns[cell.column]!;
      if (col.onlyFrom !== null) assert.equal(m.rows[cell.row]!.key, col.onlyFrom);
    }
    const out = byName(snapshot, 'nxl-out');
    const web1 = byName(snapshot, 'nxl-web1');
    const fromOutside = m.cells.filter((c) => c.via !== undefined);
    const published = fromOutside.find((c) => c.to.ip === '198.18.0.1' && c.to.port === 8080);
    assert.equal(published?.connected, true, 'the published port works from outside');
    assert.equal(published?.rule?.chain, 'DOCKER', 'and its deciding rule is the DNAT');
    const direct = fromOutside.find((c) => c.to.ip === '172.31.240.2' && c.to.port === 80);
    assert.equal(direct?.connected, false, 'the container address does not, from outside');
    assert.ok(direct?.rule, 'with the rule that stops it');
    assert.ok(m.cells.some((c) => c.from === out.id));
    assert.ok(m.cells.some((c) => c.from === web1.id && c.to.namespace === web1.id && c.connected));
  });

  it('groups rows and columns that answer alike', async () => {
    const { snapshot, extras } = await lab();
    const m = computeMatrix(snapshot, extras);
    const g = groupMatrix(m);
    assert.equal(g.rows.flat().length, m.rows.length);
    assert.equal(g.columns.flat().length, m.columns.length);
    assert.ok(g.rows.length < m.rows.length, 'namespaces with no route anywhere answer alike');
  });

  it('exports text, Markdown and CSV with untrusted names kept harmless', async () => {
    const { snapshot, extras } = await lab('tcp LISTEN 0 511 *:80 *:* users:(("=cmd|x`<b>",pid=42,fd=6))');
    const m = computeMatrix(snapshot, extras);
    const text = renderReachText(m);
    assert.match(text, /cells \(\d+ sources × \d+ destinations\)/);
    const md = renderReachMarkdown(m);
    assert.ok(!md.includes('=cmd|x`<b>'), 'the pipe, backtick and tag are escaped in Markdown');
    assert.equal(md.split('\n')[0]!.split(/(?<!\\)\|/).length, m.columns.length + 3, 'one Markdown column each');
    const csv = renderReachCsv(snapshot, m);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines.length, m.cells.length + 1);
    assert.equal(csvField('=cmd|x'), "'=cmd|x", 'a leading = is defused against spreadsheet formulas');
    assert.equal(csvField('a,"b"\nc'), '"a,""b""\nc"');
    assert.match(lines[0]!, /^from,via,to_namespace,to,proto,result,connected,uncertain,verdict,reply,rule,answer$/);
  });

  it('what if: a planned mapping flips the cells it opens, on a copy of the rules; removing it flips them back', async () => {
    const { snapshot, extras } = await lab();
    const host = byName(snapshot, 'nxl-host');
    const set = snapshot.nat.find((x) => x.namespace === host.id && x.family === 'ipv4');
    assert.ok(set && set.source !== 'nft');
    const spec = {
      family: 'ipv4' as const,
      protocol: 'tcp' as const,
      hostIp: null,
      hostPort: 18080,
      targetIp: '172.31.240.2',
      targetPort: 80,
    };
    const planned = planAdd({ tables: set.tables, diagnostics: [] }, spec, [], []);
    assert.ok(planned.ok);
    const rulesBefore = JSON.stringify(snapshot.nat);
    const w = whatIf(snapshot, extras, { namespace: host.id, family: 'ipv4', ops: planned.plan.ops });
    assert.equal(JSON.stringify(snapshot.nat), rulesBefore, 'the snapshot itself is not changed');
    assert.equal(w.unsupported, null);
    const outside = w.flips.find((f) => f.after.via === host.id && f.after.to.ip === '198.18.0.1');
    assert.ok(outside, w.flips.map((f) => `${f.row} → ${f.column}`).join('\n'));
    assert.equal(outside.before.verdict.kind, 'refused', 'nothing answered on 18080 before');
    assert.equal(outside.after.connected, true);
    assert.ok(
      w.flips.every((f) => f.after.to.port === 18080),
      'only the new port changes',
    );
    // Undo: the plan's own deletions, on the edited rules, give the first answers back.
    const edited = snapshotWith(snapshot, host.id, 'ipv4', planned.plan.ops)!;
    assert.ok(
      edited.portMappings.some((m) => m.hostPort === 18080),
      'the edited copy publishes 18080',
    );
    const editedSet = edited.nat.find((x) => x.namespace === host.id && x.family === 'ipv4');
    assert.ok(editedSet && editedSet.source !== 'nft');
    const undo = planRemoveOwn({ tables: editedSet.tables, diagnostics: [] }, spec);
    assert.ok(undo);
    const back = whatIf(edited, extras, { namespace: host.id, family: 'ipv4', ops: undo.ops });
    assert.equal(back.flips.length, w.flips.length);
    assert.ok(back.flips.every((f) => f.before.connected && !f.after.connected));
  });
});
