// netnsExplorer.traceConnection (QuickInput for source and destination) and "Why Doesn't This Work?" on a port mapping.
import * as vscode from 'vscode';
import {
  diagnose,
  firstHostPort,
  mappingAddress,
  mappingSources,
  uplinkAddress,
  uplinks,
} from '../../core/trace/diagnose';
import { namespaceLabel } from '../../core/labels';
import type { Namespace, Snapshot } from '../../core/model';
import type { Protocol, TraceRequest, TraceSource } from '../../core/trace/types';
import { publishTracedPath, tracedPathOf } from '../trace/highlight';
import { listenersIn, runTraceRequest, runTraceRequests } from '../trace/run';
import type { TraceTreeProvider } from '../tree/views/traceView';
import type { TreeNode } from '../tree/nodes';
import { SnapshotIndex } from '../tree/snapshotIndex';
import type { CommandContext } from './context';
import { CONTEXT, VIEW } from '../ids';

export interface TraceUi {
  provider: TraceTreeProvider;
  view: vscode.TreeView<unknown>;
}

async function pickSource(snapshot: Snapshot, target: Namespace): Promise<TraceSource | undefined> {
  type Item = vscode.QuickPickItem & { source: TraceSource };
  const items: Item[] = [
    ...uplinks(target).map((ifname): Item => ({
      label: `$(globe) Outside, through ${ifname}`,
      description: namespaceLabel(target),
      source: { kind: 'outside', namespace: target.id, iface: ifname },
    })),
    {
      label: `$(server) ${namespaceLabel(target)} itself`,
      description: 'locally generated: nat OUTPUT',
      source: { kind: 'local', namespace: target.id },
    },
    ...snapshot.namespaces
      .filter((n) => n.id !== target.id)
      .map((n): Item => ({
        label: `$(package) ${namespaceLabel(n)}`,
        description: `${n.mode} · a process in this namespace`,
        source: { kind: 'local', namespace: n.id },
      })),
  ];
  return (
    await vscode.window.showQuickPick(items, {
      title: 'Trace Connection: where does the connection come from?',
      matchOnDescription: true,
    })
  )?.source;
}

/** A published port offered as a destination: its address and port, and its protocol (so that step is skipped). */
interface Suggestion {
  text: string;
  protocol: Protocol | null;
  description: string;
}

/**
 * The destination: type IP:PORT, or pick one of the namespace's published ports. What is typed is offered first as
 * typed; a picked port brings its protocol along.
 */
async function pickDestination(
  defaultValue: string,
  suggestions: readonly Suggestion[],
): Promise<{ ip: string; port: number; protocol: Protocol | null } | undefined> {
  type Item = vscode.QuickPickItem & { protocol: Protocol | null };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'Trace Connection: destination';
  pick.placeholder = 'IP:PORT or [IPv6]:PORT, or pick a published port or a listening socket';
  pick.matchOnDescription = true;
  pick.value = defaultValue;
  const offered: Item[] = suggestions.map((s) => ({ label: s.text, description: s.description, protocol: s.protocol }));
  const update = () => {
    const typed = pick.value.trim();
    const asTyped = parse(typed) && !offered.some((o) => o.label === typed);
    const fits = offered.some((o) => `${o.label} ${o.description ?? ''}`.toLowerCase().includes(typed.toLowerCase()));
    // A quick pick has no validation message: an item that always shows says what to write when nothing fits.
    const hint: Item = {
      label: 'Write IP:PORT, e.g. 192.0.2.1:8080 or [fd00::1]:80',
      alwaysShow: true,
      protocol: null,
    };
    pick.items = asTyped
      ? [{ label: typed, description: 'as typed', protocol: null }, ...offered]
      : typed !== '' && !fits
        ? [hint]
        : offered;
  };
  pick.onDidChangeValue(update);
  update();
  return new Promise((resolve) => {
    let done = false;
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] ?? pick.activeItems[0];
      const dst = parse(item?.label ?? pick.value.trim());
      if (!dst) return;
      done = true;
      resolve({ ...dst, protocol: item?.protocol ?? null });
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!done) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

function parse(text: string): { ip: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:\s]+):(\d+)$/.exec(text.trim());
  const port = Number(m?.[2]);
  return m?.[1] && port >= 1 && port <= 65535 ? { ip: m[1], port } : undefined;
}

async function pickProtocol(preset?: string): Promise<Protocol | undefined> {
  if (preset === 'tcp' || preset === 'udp') return preset;
  return (await vscode.window.showQuickPick(['tcp', 'udp'], { title: 'Trace Connection: protocol' })) as
    Protocol | undefined;
}

async function runAndShow(ctx: CommandContext, ui: TraceUi, snapshot: Snapshot, request: TraceRequest): Promise<void> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Tracing the connection…' },
    () => runTraceRequest(snapshot, request, ctx.store.access),
  );
  ui.provider.show(result, snapshot);
  await vscode.commands.executeCommand('setContext', CONTEXT.hasTrace, true);
  publishTracedPath(tracedPathOf(result));
  ui.view.message = `${result.answer}${result.uncertain ? ' (some steps rest on assumptions)' : ''}`;
  await vscode.commands.executeCommand(`${VIEW.trace}.focus`);
  ctx.log.info(`trace: ${result.title}: ${result.summary}`);
}

export function traceConnection(ctx: CommandContext, ui: TraceUi): (node?: TreeNode) => Promise<void> {
  return async (node) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (!snapshot) return;
    const idx = new SnapshotIndex(snapshot);
    const mapping = node?.kind === 'mapping' ? idx.mapping(node.ns, node.key) : undefined;
    const host = snapshot.namespaces.find((n) => n.kind === 'host');
    let target = mapping ? idx.namespaces.get(mapping.namespace) : host;
    if (!mapping) {
      const withMappings = new Set(snapshot.portMappings.map((m) => m.namespace));
      const choices = snapshot.namespaces.filter((n) => n.kind === 'host' || withMappings.has(n.id));
      if (choices.length > 1) {
        const pick = await vscode.window.showQuickPick(
          choices.map((n) => ({
            label: namespaceLabel(n),
            description: withMappings.has(n.id) ? 'publishes ports' : undefined,
            n,
          })),
          { title: 'Trace Connection: which host (namespace) is the connection aimed at?' },
        );
        if (!pick) return;
        target = pick.n;
      }
    }
    if (!target) return;
    const source = await pickSource(snapshot, target);
    if (!source) return;
    const port = mapping ? firstHostPort(mapping) : null;
    const preset =
      mapping && port !== null
        ? mapping.family === 'ipv6'
          ? `[${mappingAddress(mapping, target)}]:${port}`
          : `${mappingAddress(mapping, target)}:${port}`
        : '';
    // Its published host ports (not service addresses), as an address that reaches each.
    const suggestions: Suggestion[] = snapshot.portMappings
      .filter((m) => m.namespace === target.id && !m.service && m.hostPort !== null)
      .map((m) => {
        const address = mappingAddress(m, target);
        const first = firstHostPort(m);
        const text = m.family === 'ipv6' ? `[${address}]:${first}` : `${address}:${first}`;
        const to = m.targetNamespace ? idx.label(m.targetNamespace) : m.targetIp;
        const protocol: Protocol | null = m.protocol === 'tcp' || m.protocol === 'udp' ? m.protocol : null;
        return {
          text,
          protocol,
          description: `${m.protocol} → ${to} · ${m.owner}`,
        };
      })
      .filter((s, i, all) => all.findIndex((o) => o.text === s.text && o.protocol === s.protocol) === i);
    // And what listens there (ss), read the way this window reads; a wildcard socket is offered at an uplink address.
    const v4 = uplinkAddress(target, false);
    for (const l of (await listenersIn(snapshot, target.id, ctx.store.access)) ?? []) {
      if (l.protocol !== 'tcp' && l.protocol !== 'udp') continue;
      const wildcard = l.address === '*' || l.address === '0.0.0.0' || l.address === '::' || l.address === '[::]';
      if (wildcard && l.address !== '0.0.0.0' && l.address !== '*') continue; // one row per port: the IPv4 one
      const address = wildcard ? v4 : l.address;
      const text = address.includes(':') ? `[${address}]:${l.port}` : `${address}:${l.port}`;
      if (suggestions.some((x) => x.text === text && x.protocol === l.protocol)) continue;
      const proc = l.processes[0]?.command;
      suggestions.push({ text, protocol: l.protocol, description: `${l.protocol} · ${proc ?? 'a socket'} listens` });
    }
    const dst = await pickDestination(preset, suggestions);
    if (!dst) return;
    const protocol = await pickProtocol(dst.protocol ?? mapping?.protocol);
    if (!protocol) return;
    await runAndShow(ctx, ui, snapshot, { source, dst: dst.ip, dport: dst.port, protocol });
  };
}

/**
 * "Why doesn't this work?" on a port mapping: no questions. It traces from where the port is usually used (outside
 * through each uplink, the host itself, a neighbour of the target on its bridge) and puts the answer first: the first
 * place that fails, with its reason and fix. Without a mapping (the palette), it is Trace Connection….
 */
export function whyNotWorking(ctx: CommandContext, ui: TraceUi): (node?: TreeNode) => Promise<void> {
  const ask = traceConnection(ctx, ui);
  return async (node) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (!snapshot) return;
    const mapping = node?.kind === 'mapping' ? new SnapshotIndex(snapshot).mapping(node.ns, node.key) : undefined;
    const sources = mapping ? mappingSources(snapshot, mapping) : [];
    if (sources.length === 0) return ask(node);
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tracing from ${sources.length} places…` },
      () =>
        runTraceRequests(
          snapshot,
          sources.map((s) => s.request),
          ctx.store.access,
        ),
    );
    const diagnosis = diagnose(sources.map((s, i) => ({ label: s.label, result: results[i]! })));
    ui.provider.showDiagnosis(diagnosis, snapshot);
    await vscode.commands.executeCommand('setContext', CONTEXT.hasTrace, true);
    const first = diagnosis.results[0]?.result;
    if (first) publishTracedPath(tracedPathOf(first));
    ui.view.message = diagnosis.answer;
    await vscode.commands.executeCommand(`${VIEW.trace}.focus`);
    ctx.log.info(`why: ${diagnosis.answer}`);
  };
}

/** For tests and other commands: trace without asking. */
export function traceRequest(ctx: CommandContext, ui: TraceUi): (request: TraceRequest) => Promise<void> {
  return async (request) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (snapshot) await runAndShow(ctx, ui, snapshot, request);
  };
}
