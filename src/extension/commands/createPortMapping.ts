// netnsExplorer.createPortMapping / publishPort: a multi-step quick input, a preview of the exact rules, apply, Undo.
import * as vscode from 'vscode';
import { namespaceLabel } from '../../core/labels';
import type { MappingSpec } from '../../core/mapping/types';
import { checkMappingInput, checkPublish, type PublishSpec } from '../../core/mapping/validate';
import { hostOf, isLoopback } from '../../core/net/address';
import type { Listener } from '../../core/listeners';
import { portSuggestions, type PortSuggestion } from '../../core/mapping/suggest';
import type { Namespace, Snapshot } from '../../core/model';
import { MappingError, type MappingResult } from '../../host/portMapping/apply';
import { mappingAccess, discovered, offerTerminal, previewApproved, reportDone, whatIfText } from '../mappingUi';
import type { TreeNode } from '../tree/nodes';
import type { CommandContext } from './context';
import { listenersIn } from '../trace/run';
import { showError, showWarning } from '../notify';
import { reachability } from '../../core/mapping/rules';
import { portTakenMessage } from '../../core/mapping/conflicts';

/** Answers given up front (tests, the tree's "Publish Port…"): their steps are skipped. `apply` skips the preview. */
export interface CreateAnswers {
  targetNs?: string;
  targetIp?: string;
  /** The ports in `docker run -p` syntax (`18080:80`, `127.0.0.1:18080:80/udp`); or the four fields below. */
  ports?: string;
  containerPort?: string;
  protocol?: string;
  hostPort?: string;
  /** null or '' for every local address. */
  hostIp?: string | null;
  natNs?: string;
  apply?: boolean;
}

const TITLE = 'Create Port Mapping';
const STEPS = 3;

interface TargetChoice {
  ns: Namespace;
  ip: string;
  ifname: string;
  /** The namespace holding the bridge the target hangs off (the default for the NAT), and the bridge. */
  bridgeNs: string | null;
  bridge: string | null;
}

/** Container addresses, each with the bridge (and its namespace) its interface's veth peer is a port of. */
export function targetChoices(snapshot: Snapshot): TargetChoice[] {
  const byId = new Map(snapshot.namespaces.map((n) => [n.id, n]));
  const out: TargetChoice[] = [];
  for (const ns of snapshot.namespaces) {
    if (ns.kind === 'host') continue;
    for (const iface of ns.interfaces) {
      if (iface.kind === 'loopback' || iface.kind === 'bridge') continue;
      const peer = iface.peer
        ? byId.get(iface.peer.namespace)?.interfaces.find((i) => i.name === iface.peer?.ifname)
        : undefined;
      for (const cidr of iface.addresses) {
        const ip = hostOf(cidr);
        if (ip.startsWith('fe80:')) continue;
        out.push({
          ns,
          ip,
          ifname: iface.name,
          bridgeNs: peer?.master ? iface.peer!.namespace : null,
          bridge: peer?.master ?? null,
        });
      }
    }
  }
  return out;
}

function step(n: number, label: string): string {
  return `${TITLE} (${n}/${STEPS}): ${label}`;
}

/**
 * The ports in one step, as for `docker run -p`: `18080:80`, `127.0.0.1:18080:80/udp`, or one port; the target's
 * listeners are offered, and what is typed is checked as it is typed.
 */
async function askPorts(n: number, suggestions: readonly PortSuggestion[]): Promise<PublishSpec | undefined> {
  type Item = vscode.QuickPickItem & { spec?: PublishSpec };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = step(n, 'ports, as for docker run -p');
  pick.placeholder = 'HOST_PORT:CONTAINER_PORT, e.g. 18080:80, 127.0.0.1:18080:80/udp, or pick a listening port';
  pick.matchOnDescription = true;
  const offered: Item[] = suggestions.map((s) => {
    const c = checkPublish(s.text);
    return { label: s.text, description: s.description, spec: c.ok ? c.value : undefined };
  });
  const update = () => {
    const typed = pick.value.trim();
    if (typed === '') {
      pick.items = offered;
      return;
    }
    const c = checkPublish(typed);
    const matching = offered.filter((o) => o.label.startsWith(typed));
    pick.items = c.ok
      ? [{ label: typed, description: 'as typed', spec: c.value, alwaysShow: true }, ...matching]
      : [{ label: `$(info) ${c.error}`, alwaysShow: true }, ...matching];
  };
  pick.onDidChangeValue(update);
  update();
  return new Promise((resolve) => {
    let done = false;
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] ?? pick.activeItems[0];
      if (!item?.spec) return;
      done = true;
      resolve(item.spec);
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!done) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

/** Bridged containers first (grouped by bridge), then what is not on a bridge. */
function groupName(c: TargetChoice, byId: Map<string, Namespace>): string {
  return c.bridge ? `${c.bridge} (${namespaceLabel(byId.get(c.bridgeNs!)!)})` : 'not on a bridge';
}

async function askAnswers(
  snapshot: Snapshot,
  given: CreateAnswers,
  listenersOf: (ns: Namespace) => Promise<readonly Listener[] | null>,
  node?: TreeNode,
): Promise<{ spec: MappingSpec; nat: Namespace; target: TargetChoice } | undefined> {
  const a: CreateAnswers = { ...given };
  const byId = new Map(snapshot.namespaces.map((n) => [n.id, n]));
  let choices = targetChoices(snapshot);
  if (node && 'ns' in node && typeof node.ns === 'string') {
    const inNode = choices.filter(
      (c) => c.ns.id === node.ns && (node.kind !== 'interface' || c.ifname === node.ifname),
    );
    if (inNode.length) choices = inNode;
  }
  let target = choices.find(
    (c) =>
      (a.targetIp === undefined || c.ip === a.targetIp) &&
      (a.targetNs === undefined || c.ns.id === a.targetNs || c.ns.name === a.targetNs),
  );
  if (a.targetIp === undefined && choices.length !== 1) {
    type Item = vscode.QuickPickItem & { choice?: TargetChoice };
    const items: Item[] = [];
    const groups = [...new Set(choices.map((c) => groupName(c, byId)))].sort(
      (x, y) => Number(x === 'not on a bridge') - Number(y === 'not on a bridge'),
    );
    for (const group of groups) {
      items.push({ label: group, kind: vscode.QuickPickItemKind.Separator });
      for (const c of choices.filter((x) => groupName(x, byId) === group)) {
        items.push({ label: namespaceLabel(c.ns), description: c.ip, detail: `${c.ifname} · ${c.ns.mode}`, choice: c });
      }
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: step(1, 'target container'),
      matchOnDescription: true,
    });
    target = pick?.choice;
  }
  if (!target) return undefined;
  const family = target.ip.includes(':') ? 'ipv6' : 'ipv4';
  const natDefault = target.bridgeNs ?? snapshot.namespaces.find((n) => n.kind === 'host')?.id ?? target.ns.id;

  for (;;) {
    // The ports: given as answers (tests, automation), else one step in Docker's syntax.
    let ports: PublishSpec | undefined;
    if (a.ports !== undefined) {
      const c = checkPublish(a.ports);
      if (!c.ok) {
        void showError(c.error);
        return undefined;
      }
      ports = c.value;
    } else if (a.containerPort !== undefined || a.hostPort !== undefined) {
      const c = checkPublish(
        `${a.hostPort ?? a.containerPort}:${a.containerPort ?? a.hostPort}/${a.protocol ?? 'tcp'}`,
      );
      if (!c.ok) {
        void showError(c.error);
        return undefined;
      }
      ports = { ...c.value, hostIp: a.hostIp === undefined || a.hostIp === '' ? null : a.hostIp };
    } else {
      ports = await askPorts(2, portSuggestions(await listenersOf(target.ns)));
    }
    if (!ports) return undefined;

    // The namespace whose NAT gets the rule: the one holding the target's bridge needs no question.
    let natId: string | undefined = a.natNs ?? (target.bridgeNs !== null ? target.bridgeNs : undefined);
    if (natId === undefined) {
      const items = [byId.get(natDefault)!, ...snapshot.namespaces.filter((n) => n.id !== natDefault)]
        .filter(Boolean)
        .map((n) => ({
          label: namespaceLabel(n),
          description: n.id === natDefault ? 'default' : n.mode,
          id: n.id,
        }));
      const pick = await vscode.window.showQuickPick(items, { title: step(3, 'namespace whose NAT gets the rule') });
      if (!pick) return undefined;
      natId = pick.id;
    }
    const nat = byId.get(natId);
    if (!nat) return undefined;
    const answered = a.ports !== undefined || a.containerPort !== undefined || a.hostPort !== undefined;
    // Typed ports that are taken are asked again at once; given ones go on to the apply, which refuses with the owner.
    const taken = answered
      ? undefined
      : portTakenMessage(snapshot.portMappings, nat.id, ports.protocol, ports.hostPort, (id) =>
          namespaceLabel(byId.get(id) ?? { id, kind: 'named', name: null, processes: [] }),
        );
    const checked = checkMappingInput({
      protocol: ports.protocol,
      hostIp: ports.hostIp,
      hostPort: String(ports.hostPort),
      targetIp: target.ip,
      targetPort: String(ports.containerPort),
    });
    const problem = taken ?? (checked.ok ? null : checked.error);
    const hostIp = ports.hostIp;
    const local =
      hostIp === null ||
      isLoopback(hostIp) ||
      nat.interfaces.some((i) => i.addresses.some((c) => hostOf(c) === hostIp));
    const why =
      problem ??
      (checked.ok && checked.value.family !== family
        ? 'the host address and the target are of different families'
        : null) ??
      (local ? null : `${hostIp} is not an address of ${namespaceLabel(nat)}`);
    if (why === null && checked.ok) return { spec: checked.value, nat, target };
    void showWarning(`${why ?? 'the ports are not valid'}: write the ports again.`);
    // Given answers cannot be asked again.
    if (answered) return undefined;
  }
}

function cliArgs(spec: MappingSpec, nat: Namespace): string[] {
  const to = spec.family === 'ipv6' ? `[${spec.targetIp}]:${spec.targetPort}` : `${spec.targetIp}:${spec.targetPort}`;
  return [
    'add',
    '--in',
    nat.id,
    '--host-port',
    String(spec.hostPort),
    '--to',
    to,
    '--proto',
    spec.protocol,
    ...(spec.hostIp ? ['--host-ip', spec.hostIp] : []),
  ];
}

export function createPortMapping(
  ctx: CommandContext,
): (arg?: TreeNode | CreateAnswers) => Promise<MappingResult | undefined> {
  return async (arg) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (!snapshot) return undefined;
    const node = arg && 'kind' in arg ? arg : undefined;
    const answers = arg && !('kind' in arg) ? arg : {};
    // The target's listening sockets, offered as the ports (read the way this window reads; none without access).
    const listenersOf = (ns: Namespace) => listenersIn(snapshot, ns.id, ctx.store.access);
    const asked = await askAnswers(snapshot, answers, listenersOf, node);
    if (!asked) return undefined;
    const { spec, nat, target } = asked;
    const access = await mappingAccess(ctx);
    if (!access) {
      await offerTerminal(ctx, cliArgs(spec, nat), 'Creating a port mapping');
      return undefined;
    }
    const where = discovered(nat);
    try {
      const preview = await access.addMapping(where, spec, { dryRun: true });
      if (
        !answers.apply &&
        !(await previewApproved(
          preview.plan,
          `Publish ${preview.plan.title} in ${namespaceLabel(nat)}? These rules will be added:`,
          'Apply',
          await whatIfText(ctx, nat.id, preview.plan),
        ))
      )
        return undefined;
      const result = await access.addMapping(where, spec, { expected: preview.plan });
      const host = reachability(spec);
      const localnet = result.plan.needsRouteLocalnet
        ? ' Loopback needs route_localnet=1 on the interface towards the container.'
        : '';
      reportDone(
        ctx,
        access,
        where,
        result,
        `${namespaceLabel(target.ns)} ${spec.targetIp}:${spec.targetPort}/${spec.protocol} is now reachable on ${host} of ${namespaceLabel(nat)}, port ${spec.hostPort}.${localnet}`,
        { namespace: nat.id, spec },
      );
      return result;
    } catch (e) {
      const message =
        e instanceof MappingError && e.kind === 'conflict'
          ? `Refused: ${e.message}`
          : `Could not create the port mapping: ${(e as Error).message}`;
      void showError(message);
      ctx.log.error(message);
      if (answers.apply) throw e;
      return undefined;
    }
  };
}
