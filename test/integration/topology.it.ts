// The topology view inside a real VS Code extension host, on the real-kernel lab: open it, export SVG and PNG by file
// URI, live updates.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as vscode from 'vscode';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import type { Rendered } from '../../src/extension/topology/panel';
import { xmlText } from '../../src/core/topology/svg';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp, type LabState } from '../lab/lab';

/** The label the extension gives a lab namespace: its name, or its first process. */
function labLabel(n: LabState['namespaces'][number]): string {
  return n.name ?? `${n.processes[0]!.command} (pid ${n.processes[0]!.pid})`;
}

/** The text of the SVG group drawn for one element (`<g data-id="…">…</g>`), or undefined. */
function group(svg: string, id: string): string | undefined {
  const start = svg.indexOf(`<g data-id="${xmlText(id)}"`);
  return start < 0 ? undefined : svg.slice(start, svg.indexOf('</g>', start));
}

describe('topology view on the lab', function () {
  this.timeout(180_000);
  let api: NetnsExplorerApi;
  let ext: vscode.Extension<NetnsExplorerApi>;
  let lab: LabState;
  let dir: string;
  const runner = new ExecRunner();
  const inode = (key: string) => lab.namespaces.find((n) => n.key === key)!.inode;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    dir = mkdtempSync(join(tmpdir(), 'nx-topology-'));
    await vscode.workspace
      .getConfiguration('netnsExplorer')
      .update('dockerNetnsDirs', ['/var/run/docker/netns', lab.dockerNetnsDir], vscode.ConfigurationTarget.Global);
    const found = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    assert.ok(found);
    ext = found;
    api = await ext.activate();
    await api.store.refresh();
  });

  after(async () => {
    await runner.run(['ip', 'netns', 'del', 'nxl-topology-extra']);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (lab) await labDown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Show Topology opens the picture and draws every lab namespace, the bridge, the cables and the ports', async () => {
    const rendered = await vscode.commands.executeCommand<Rendered>('netnsExplorer.showTopology');
    assert.ok(rendered, 'the page reported what it drew');
    assert.ok((rendered.counts.namespace ?? 0) >= lab.namespaces.length + 1, JSON.stringify(rendered.counts));
    // One ports badge per namespace something is published to; one network box per bridge.
    assert.ok((rendered.counts.ports ?? 0) >= new Set(lab.portMappings.map((m) => m.target)).size);
    assert.ok((rendered.counts.network ?? 0) >= lab.bridges.length);
    assert.ok((rendered.counts.veth ?? 0) >= lab.vethPairs.length);
    const tab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('netnsExplorer.topology'));
    assert.ok(tab, 'a topology tab is open');
  });

  it("the page may load files from the extension's dist/ folder alone, and follows no command link", async () => {
    await vscode.commands.executeCommand('netnsExplorer.showTopology');
    const panel = api.topologyPanel();
    assert.ok(panel, 'the topology panel is open');
    const options = panel.webview.options;
    const dist = join(ext.extensionPath, 'dist');
    assert.deepEqual(
      options.localResourceRoots?.map((u) => u.toString()),
      [vscode.Uri.file(dist).toString()],
      'exactly one root: dist/',
    );
    // Spelled out: none of the wider places a page could want to read is under a root.
    const under = (path: string, root: string) => !relative(root, path).startsWith('..');
    const wider = [
      '/',
      ext.extensionPath,
      join(ext.extensionPath, 'package.json'),
      ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    ];
    for (const root of options.localResourceRoots ?? []) {
      for (const path of wider)
        assert.ok(!under(path, root.fsPath), `${path} is not readable by the page (root ${root.fsPath})`);
    }
    assert.ok(under(join(dist, 'webview.js'), dist), 'the bundle itself is');
    assert.equal(options.enableScripts, true);
    assert.notEqual(options.enableCommandUris, true, 'command: links in the page are not followed');
    assert.ok(!Array.isArray(options.enableCommandUris), 'not even for a list of commands');
  });

  it('exportTopology with a file URI writes an SVG holding every namespace, the bridge, the veth ends outside a bridge and every published port', async () => {
    const target = vscode.Uri.file(join(dir, 'lab.svg'));
    const written = await vscode.commands.executeCommand<vscode.Uri>('netnsExplorer.exportTopology', target);
    assert.equal(written?.fsPath, target.fsPath);
    const svg = readFileSync(target.fsPath, 'utf8');
    assert.match(svg, /^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const ns of lab.namespaces)
      assert.ok(svg.includes(`>${xmlText(labLabel(ns))}</tspan>`), `namespace ${labLabel(ns)}`);
    for (const b of lab.bridges)
      assert.ok(group(svg, `if:${inode(b.ns)}/${b.name}`)?.includes(`>${b.name}</tspan>`), `bridge ${b.name}`);
    // A bridge port's host-side end is folded into its cable (the namespace sits in the bridge's network box).
    const bridgePorts = new Set(lab.bridges.flatMap((b) => b.ports.map((port) => `${b.ns}/${port}`)));
    for (const p of lab.vethPairs) {
      for (const end of [p.a, p.b].filter((e) => !bridgePorts.has(`${e.ns}/${e.ifname}`)))
        assert.ok(
          group(svg, `if:${inode(end.ns)}/${end.ifname}`)?.includes(`>${end.ifname}</tspan>`),
          `veth end ${end.ifname} in ${end.ns}`,
        );
    }
    // Badges read `8080→80/tcp`, `30000-30010/tcp`, `198.18.0.1:9090→80/tcp`.
    for (const m of lab.portMappings) {
      const to = m.targetPort === m.hostPort ? '' : `→${m.targetPort}`;
      assert.ok(svg.includes(`${m.hostPort}${to}/${m.protocol}`), `published port ${m.hostPort}${to}/${m.protocol}`);
    }
  });

  it('exportTopology writes PNG when the file name says so', async () => {
    const target = vscode.Uri.file(join(dir, 'lab.png'));
    await vscode.commands.executeCommand('netnsExplorer.exportTopology', target);
    const png = readFileSync(target.fsPath);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.length > 10_000, `${png.length} bytes`);
  });

  it('a new namespace appears after a refresh, without laying the picture out again', async () => {
    const add = await runner.run(['ip', 'netns', 'add', 'nxl-topology-extra']);
    assert.equal(add.failure, null, add.stderr);
    const before = await vscode.commands.executeCommand<Rendered>('netnsExplorer.showTopology');
    await api.store.refresh();
    const target = vscode.Uri.file(join(dir, 'after.svg'));
    await vscode.commands.executeCommand('netnsExplorer.exportTopology', target);
    const svg = readFileSync(target.fsPath, 'utf8');
    assert.ok(svg.includes('>nxl-topology-extra</tspan>'));
    const after = await vscode.commands.executeCommand<Rendered>('netnsExplorer.showTopology');
    assert.equal(after?.laidOut, false, 'placed in place, not laid out again');
    assert.equal(after?.counts.namespace, (before?.counts.namespace ?? 0) + 1);
  });
});
