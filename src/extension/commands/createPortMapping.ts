// netnsExplorer.createPortMapping / publishPort: a multi-step quick input, a preview of the exact rules, apply, Undo.
import * as vscode from 'vscode';
import { namespaceLabel } from '../../core/labels';
import type { MappingSpec } from '../../core/mapping/types';
import { checkMappingInput, checkPort } from '../../core/mapping/validate';
import { hostOf, isLoopback } from '../../core/net/address';
import type { Namespace, Snapshot } from '../../core/model';
import { MappingError, type MappingResult } from '../../host/portMapping/apply';
import { mappingAccess, discovered, offerTerminal, previewApproved, reportDone } from '../mappingUi';
import type { TreeNode } from '../tree/nodes';
import type { CommandContext } from './context';
import { showError, showWarning } from '../notify';
import { reachability } from '../../core/mapping/rules';
import { portTakenMessage } from '../../core/mapping/conflicts';

/** Answers given up front (tests, the tree's "Publish Port…"): their steps are skipped. `apply` skips the preview. */
export interface CreateAnswers {
  targetNs?: string;
  targetIp?: string;
  containerPort?: string;
  protocol?: string;
  hostPort?: string;
  /** null or '' for every local address. */
  hostIp?: string | null;
  natNs?: string;
  apply?: boolean;
}

const TITLE = 'Create Port Mapping';
const STEPS = 6;

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

async function askPort(
  n: number,
  label: string,
  value: string | undefined,
  extra?: (port: number) => string | undefined,
): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: step(n, label),
    value,
    prompt: '1-65535',
    validateInput: (text) => {
      const c = checkPort(text, label.toLowerCase());
      return c.ok ? extra?.(c.value) : c.error;
    },
  });
}

async function askAnswers(
  snapshot: Snapshot,
  given: CreateAnswers,
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
    const groups = [
      ...new Set(
        choices.map((c) => (c.bridge ? `${c.bridge} (${namespaceLabel(byId.get(c.bridgeNs!)!)})` : 'not on a bridge')),
      ),
    ];
    for (const group of groups) {
      items.push({ label: group, kind: vscode.QuickPickItemKind.Separator });
      for (const c of choices.filter(
        (x) => (x.bridge ? `${x.bridge} (${namespaceLabel(byId.get(x.bridgeNs!)!)})` : 'not on a bridge') === group,
      )) {
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

  const containerPort = a.containerPort ?? (await askPort(2, 'Container port', undefined));
  if (containerPort === undefined) return undefined;
  const protocol =
    a.protocol ?? (await vscode.window.showQuickPick(['tcp', 'udp', 'sctp'], { title: step(3, 'protocol') }));
  if (protocol === undefined) return undefined;
  const natDefault = target.bridgeNs ?? snapshot.namespaces.find((n) => n.kind === 'host')?.id ?? target.ns.id;
  const hostPort =
    a.hostPort ??
    (await askPort(4, 'Host port', containerPort, (port) =>
      portTakenMessage(snapshot.portMappings, a.natNs ?? natDefault, protocol, port, (id) =>
        namespaceLabel(byId.get(id) ?? { id, kind: 'named', name: null, processes: [] }),
      ),
    ));
  if (hostPort === undefined) return undefined;

  for (;;) {
    const natNs = byId.get(a.natNs ?? natDefault);
    if (!natNs) return undefined;
    const family = target.ip.includes(':') ? 'ipv6' : 'ipv4';
    let hostIp = a.hostIp;
    if (hostIp === undefined) {
      const local = natNs.interfaces
        .flatMap((i) => i.addresses)
        .map(hostOf)
        .filter((ip) => ip.includes(':') === (family === 'ipv6') && !ip.startsWith('fe80:') && !isLoopback(ip));
      const items: (vscode.QuickPickItem & { ip: string | null })[] = [
        {
          label: 'All local addresses',
          description: family === 'ipv4' ? '0.0.0.0' : '::',
          detail: 'Like docker run -p PORT:PORT, without its userland proxy: 127.0.0.1 is not mapped',
          ip: null,
        },
        ...local.map((ip) => ({ label: ip, description: `only this address of ${namespaceLabel(natNs)}`, ip })),
      ];
      if (family === 'ipv4')
        items.push({
          label: '127.0.0.1',
          description: 'loopback only',
          detail:
            'Reachable only from this namespace itself. The kernel routes 127.0.0.0/8 out to a container only with route_localnet=1 on the interface towards it; the mapping adds the MASQUERADE this needs, and you set the sysctl.',
          ip: '127.0.0.1',
        });
      const pick = await vscode.window.showQuickPick(items, { title: step(5, 'host address') });
      if (!pick) return undefined;
      hostIp = pick.ip;
    }
    let natId: string | undefined = a.natNs;
    if (natId === undefined) {
      const items = [natNs, ...snapshot.namespaces.filter((n) => n.id !== natNs.id)].map((n) => ({
        label: namespaceLabel(n),
        description: n.id === natDefault ? 'holds the bridge (default)' : n.mode,
        id: n.id,
      }));
      const pick = await vscode.window.showQuickPick(items, { title: step(6, 'namespace whose NAT gets the rule') });
      if (!pick) return undefined;
      natId = pick.id;
    }
    const nat = byId.get(natId);
    if (!nat) return undefined;
    const checked = checkMappingInput({ protocol, hostIp, hostPort, targetIp: target.ip, targetPort: containerPort });
    if (!checked.ok) {
      void showError(checked.error);
      return undefined;
    }
    const local =
      hostIp === null ||
      hostIp === undefined ||
      isLoopback(hostIp) ||
      nat.interfaces.some((i) => i.addresses.some((c) => hostOf(c) === hostIp));
    if (local) return { spec: checked.value, nat, target };
    void showWarning(`${hostIp} is not an address of ${namespaceLabel(nat)}: pick the host address again.`);
    if (a.hostIp !== undefined) return undefined;
    a.natNs = natId;
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
    const asked = await askAnswers(snapshot, answers, node);
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
