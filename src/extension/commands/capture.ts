// Capture Traffic… (an interface in the Namespaces or Bridges view, a veth pair, a namespace, an element of the
// topology, a step of a trace, or the palette) and Capture This Path (every interface a traced packet crosses). Both
// ask for a BPF filter, checked with tcpdump -d before anything starts, and open a capture panel. Without root the
// command is offered in a terminal instead, where sudo can ask for a password.
import * as vscode from 'vscode';
import { namespaceLabel } from '../../core/labels';
import type { Namespace, Snapshot } from '../../core/model';
import {
  itemInterfaces,
  pathSources,
  sourceIn,
  sourcesOf,
  type ItemNode,
  type ResolvedSource,
} from '../../core/capture/targets';
import { targetName } from '../../core/capture/session';
import type { TraceOutcome, TraceRequest } from '../../core/trace/types';
import { checkFilter, tcpdumpTerminalArgv } from '../../host/capture';
import { sudoWithoutPassword } from '../../host/privilege';
import { ExecRunner, privilegePrefix, type Privilege } from '../../host/runner';
import type { CaptureController } from '../capture/panel';
import { readSettings } from '../config';
import { showInfo, showWarning } from '../notify';
import type { TreeNode } from '../tree/nodes';
import type { TraceNode } from '../tree/views/traceView';
import type { CommandContext } from './context';
import type { TraceUi } from './traceConnection';

/** A topology element's context menu (webview/main.ts sets it on right-click). */
interface WebviewTarget {
  webviewSection: 'capture';
  ns: string;
  iface: string;
}

type Target = TreeNode | TraceNode | WebviewTarget | undefined;

const nsOf = (snapshot: Snapshot, id: string): Namespace | undefined => snapshot.namespaces.find((n) => n.id === id);

const ITEM_KINDS: ReadonlySet<string> = new Set<ItemNode['kind']>([
  'interface',
  'bridge',
  'bridgePort',
  'vethPair',
  'namespace',
]);
const isItem = (t: TreeNode | TraceNode): t is ItemNode & TreeNode => ITEM_KINDS.has(t.kind);

/** The interfaces to choose from (several may be picked: one capture across them). */
async function pickInterfaces(snapshot: Snapshot, only?: Namespace): Promise<ResolvedSource[]> {
  type Item = vscode.QuickPickItem & { source: ResolvedSource };
  const items: Item[] = [];
  for (const ns of only ? [only] : snapshot.namespaces)
    for (const i of ns.interfaces) {
      const s = sourceIn(ns, i.name);
      if (typeof s === 'string') continue;
      items.push({
        label: i.name,
        description: namespaceLabel(ns),
        detail: [i.kind, i.state, ...i.addresses].filter(Boolean).join(' · '),
        source: s,
      });
    }
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: 'Capture Traffic: the interfaces to capture together',
    placeHolder: 'Pick one or more interfaces (in any namespaces)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.map((p) => p.source) ?? [];
}

/** A filter for a traced connection's packets before and after NAT: its protocol and both ports. */
export function pathFilter(request: TraceRequest, outcome: TraceOutcome): string {
  const ports = new Set([request.dport]);
  if (outcome.verdict.kind === 'delivered' || outcome.verdict.kind === 'refused') ports.add(outcome.verdict.port);
  return `${request.protocol} and (${[...ports].map((p) => `port ${p}`).join(' or ')})`;
}

/** How the capture gets root: none needed as root; `sudo -n` when it works; else null (offer a terminal). */
async function capturePrivilege(ctx: CommandContext): Promise<Privilege | null> {
  const access = await ctx.store.access.current();
  if (access.access.via === 'direct' && !access.readOnly) return 'none';
  return (await sudoWithoutPassword()) ? 'sudo' : null;
}

/** Asks for the filter until tcpdump compiles it on every interface (or the user gives up). */
async function askFilter(runner: ExecRunner, sources: ResolvedSource[], initial: string): Promise<string | undefined> {
  let value = initial;
  let problem: string | null = null;
  for (;;) {
    const filter = await vscode.window.showInputBox({
      title: `Capture on ${sources.map((s) => targetName(s.target)).join(', ')}`,
      prompt: problem ?? 'A BPF filter, as for tcpdump (empty: every packet)',
      placeHolder: 'tcp port 80 or icmp',
      value,
      // The refused filter is marked until it is edited.
      validateInput: (text) =>
        problem && text === value ? { message: problem, severity: vscode.InputBoxValidationSeverity.Error } : null,
    });
    if (filter === undefined) return undefined;
    value = filter;
    problem = null;
    for (const s of sources) {
      const p = await checkFilter(runner, s, filter);
      if (p) {
        problem = `${targetName(s.target)}: ${p}`;
        break;
      }
    }
    if (!problem) return filter;
  }
}

async function startCapture(
  ctx: CommandContext,
  captures: CaptureController,
  sources: ResolvedSource[],
  title: string,
  initialFilter = '',
): Promise<void> {
  if (!sources.length) return;
  const privilege = await capturePrivilege(ctx);
  if (privilege === null) {
    const choice = await showWarning(
      'Capturing needs root, which this window does not have: run tcpdump in a terminal, where sudo can ask for your password.',
      'Open in Terminal',
    );
    if (choice !== 'Open in Terminal') return;
    for (const s of sources) {
      const [shell, ...args] = [
        ...privilegePrefix('sudo').filter((a) => a !== '-n'),
        ...tcpdumpTerminalArgv(s, initialFilter),
      ];
      vscode.window
        .createTerminal({ name: `tcpdump ${targetName(s.target)}`, shellPath: shell, shellArgs: args })
        .show();
    }
    return;
  }
  const runner = new ExecRunner({ privilege, timeoutMs: readSettings().commandTimeoutMs });
  const filter = await askFilter(runner, sources, initialFilter);
  if (filter === undefined) return;
  captures.start({ sources, filter, title, privilege, limits: readSettings().captureLimits });
}

export function captureTraffic(
  ctx: CommandContext,
  captures: CaptureController,
  ui: TraceUi,
): (target?: Target) => Promise<void> {
  return async (target) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (!snapshot) return;
    let sources: ResolvedSource[];
    if (target && !('webviewSection' in target) && target.kind === 'step') {
      // The interfaces the traced packet crosses in this step's namespace.
      const at = ui.provider.stepAt(target);
      sources = at
        ? pathSources(
            snapshot,
            at.outcome.path.filter((h) => h.namespace === at.step.namespace),
          )
        : [];
      if (at && !sources.length) void showInfo('The trace names no interface in this step’s namespace.');
    } else {
      // A topology element's menu names its interface (or its namespace, iface ''), as a tree item would.
      const node: ItemNode | undefined =
        target && 'webviewSection' in target
          ? target.iface
            ? { kind: 'interface', ns: target.ns, ifname: target.iface }
            : { kind: 'namespace', ns: target.ns }
          : target && isItem(target)
            ? target
            : undefined;
      const pairs = node ? itemInterfaces(node) : null;
      const ns = node ? nsOf(snapshot, node.ns) : undefined;
      sources =
        pairs === null
          ? await pickInterfaces(snapshot)
          : pairs.length
            ? sourcesOf(snapshot, pairs)
            : ns
              ? await pickInterfaces(snapshot, ns)
              : [];
    }
    const title = `Capture: ${sources.map((s) => targetName(s.target)).join(', ')}`;
    await startCapture(ctx, captures, sources, title);
  };
}

export function capturePath(
  ctx: CommandContext,
  captures: CaptureController,
  ui: TraceUi,
): (node?: TraceNode) => Promise<void> {
  // On a place of a diagnosis (its context menu): that place's trace; from the view's title: the trace shown.
  return async (node) => {
    const result = ui.provider.resultOf(node);
    const snapshot = ctx.store.snapshot;
    const outcome = result?.outcomes[0];
    if (!result || !outcome || !snapshot) {
      void showInfo(
        'Trace a connection first (Trace Connection…): Capture This Path captures every interface it crosses.',
      );
      return;
    }
    const sources = pathSources(snapshot, outcome.path);
    if (!sources.length) {
      void showInfo('The traced path crosses no interface that can be captured.');
      return;
    }
    await startCapture(ctx, captures, sources, `Capture: ${result.title}`, pathFilter(result.request, outcome));
  };
}
