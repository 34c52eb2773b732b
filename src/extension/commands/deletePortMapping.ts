// netnsExplorer.deletePortMapping: from a port-mapping item or a pick list; others' mappings only after a warning
// naming the owner.
import * as vscode from 'vscode';
import { mappingText, namespaceLabel } from '../../core/labels';
import { ownerName } from '../../core/mapping/conflicts';
import { describePlan } from '../../core/mapping/plan';
import type { MappingSelector } from '../../core/mapping/types';
import type { PortMapping } from '../../core/model';
import { MappingError, type MappingResult } from '../../host/portMapping/apply';
import type { TreeNode } from '../tree/nodes';
import { SnapshotIndex } from '../tree/snapshotIndex';
import type { CommandContext } from './context';
import { mappingAccess, discovered, offerTerminal, previewApproved, reportDone, whatIfText } from '../mappingUi';
import { showError, showInfo, showWarning } from '../notify';

/** `confirm` answers the preview or the owner warning up front (tests). */
export interface DeleteAnswers {
  ns: string;
  key: string;
  confirm?: boolean;
}

function selectorOf(m: PortMapping): MappingSelector | string {
  if (m.protocol !== 'tcp' && m.protocol !== 'udp' && m.protocol !== 'sctp')
    return `only tcp, udp and sctp mappings can be deleted, not ${m.protocol}`;
  if (typeof m.hostPort !== 'number')
    return 'a mapping of a port range is deleted with its rules by hand (Open NAT Rules as Text)';
  return { family: m.family, protocol: m.protocol, hostPort: m.hostPort, hostIp: m.hostIp };
}

export function deletePortMapping(
  ctx: CommandContext,
): (arg?: TreeNode | DeleteAnswers) => Promise<MappingResult | undefined> {
  return async (arg) => {
    const snapshot = ctx.store.snapshot ?? (await ctx.store.refreshWithProgress());
    if (!snapshot) return undefined;
    const idx = new SnapshotIndex(snapshot);
    const confirmed = arg !== undefined && 'confirm' in arg && arg.confirm === true;
    let mapping: PortMapping | undefined;
    if (arg && 'key' in arg && typeof arg.key === 'string' && typeof arg.ns === 'string')
      mapping = idx.mapping(arg.ns, arg.key);
    if (!mapping) {
      const items = snapshot.portMappings.map((m) => ({
        label: mappingText(m),
        description: `${idx.label(m.namespace)} · ${m.owner}`,
        mapping: m,
      }));
      if (items.length === 0) {
        void showInfo('No port mappings were found.');
        return undefined;
      }
      mapping = (await vscode.window.showQuickPick(items, { title: 'Delete Port Mapping', matchOnDescription: true }))
        ?.mapping;
    }
    if (!mapping) return undefined;
    const selector = selectorOf(mapping);
    if (typeof selector === 'string') {
      void showError(selector);
      return undefined;
    }
    const ns = idx.namespaces.get(mapping.namespace);
    if (!ns) return undefined;
    const access = await mappingAccess(ctx);
    if (!access) {
      const args = [
        'rm',
        '--in',
        ns.id,
        '--host-port',
        String(selector.hostPort),
        '--proto',
        selector.protocol,
        '--host-ip',
        mapping.hostIp,
        ...(mapping.owner === 'netns-explorer' ? [] : ['--force']),
      ];
      await offerTerminal(ctx, args, 'Deleting a port mapping');
      return undefined;
    }
    const target = discovered(ns);
    try {
      const preview = await access.removeMapping(target, selector, { dryRun: true });
      const own = preview.plan.owner === 'netns-explorer';
      if (!confirmed) {
        const flips = await whatIfText(ctx, ns.id, preview.plan);
        const approved = own
          ? await previewApproved(
              preview.plan,
              `Delete ${preview.plan.title} in ${namespaceLabel(ns)}? These rules will be removed:`,
              'Delete',
              flips,
            )
          : (await showWarning(
              `${mappingText(mapping)} was made by ${ownerName(preview.plan.owner)}, not by Netns Explorer. ${ownerName(preview.plan.owner)} may recreate it (Docker does on restart). Delete it anyway?`,
              {
                modal: true,
                detail: `These rules will be removed from ${namespaceLabel(ns)}:\n${describePlan(preview.plan).join('\n')}${flips}`,
              },
              'Delete Anyway',
            )) === 'Delete Anyway';
        if (!approved) return undefined;
      }
      const result = await access.removeMapping(target, selector, { allowForeign: !own, expected: preview.plan });
      reportDone(ctx, access, target, result, `Deleted ${mappingText(mapping)} from ${namespaceLabel(ns)}.`);
      return result;
    } catch (e) {
      const message =
        e instanceof MappingError ? e.message : `Could not delete the port mapping: ${(e as Error).message}`;
      void showError(message);
      ctx.log.error(message);
      if (confirmed) throw e;
      return undefined;
    }
  };
}
