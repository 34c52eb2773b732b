// netnsExplorer.cleanUpLeftovers, and the one notification after activation: what an earlier extension host (killed, so
// its Undo is gone) left in the rules.
import * as vscode from 'vscode';
import { labelOrId } from '../../core/labels';
import { visibleText } from '../../core/markdown';
import { EVERYTHING, ORPHANS_ONLY, type CleanupSelection } from '../../core/mapping/cleanup';
import {
  findLeftovers,
  leftoverKey,
  leftoverSummary,
  needsAttention,
  type NamespaceLeftovers,
} from '../../core/mapping/leftovers';
import { describePlan } from '../../core/mapping/plan';
import type { Family, Namespace, Snapshot } from '../../core/model';
import type { MappingResult } from '../../host/portMapping/apply';
import type { CommandContext } from './context';
import { mappingAccess, discovered, offerTerminal } from '../mappingUi';
import { showError, showInfo, showWarning } from '../notify';
import { COMMAND, KEPT_MAPPINGS_KEY } from '../ids';

/** Answers given up front (the notification's buttons, tests): `remove` skips the pick list, `confirm` the preview. */
export interface CleanupAnswers {
  /** Namespace ids to look in; default every namespace. */
  ns?: string[];
  remove?: 'orphans' | 'all';
  confirm?: boolean;
}

export interface CleanupOutcome {
  results: MappingResult[];
  errors: string[];
}

/** What the notification said and offered (the integration tests read it; nobody needs to click). */
export interface LeftoverNotice {
  message: string;
  buttons: string[];
  found: NamespaceLeftovers[];
}

/** Mappings the user chose to keep, remembered across restarts so the notification does not ask again. */

function label(snapshot: Snapshot, id: string): string {
  return visibleText(
    labelOrId(
      snapshot.namespaces.find((n) => n.id === id),
      id,
    ),
  );
}

type Pick = vscode.QuickPickItem & { ns: string; family: Family; orphans: boolean; title: string | null };

/** The pick list: broken pieces picked already, mappings not (they may be wanted). */
async function askSelection(
  snapshot: Snapshot,
  found: NamespaceLeftovers[],
): Promise<Map<string, CleanupSelection> | undefined> {
  const items: Pick[] = [];
  for (const f of found) {
    const where = `${label(snapshot, f.namespace)} · ${f.family}`;
    if (f.orphans.length) {
      items.push({
        label: `$(warning) ${f.orphans.length} broken piece${f.orphans.length === 1 ? '' : 's'}`,
        description: where,
        detail: visibleText(f.orphans.map((o) => o.description).join('; ')),
        picked: true,
        ns: f.namespace,
        family: f.family,
        orphans: true,
        title: null,
      });
    }
    for (const m of f.mappings) {
      items.push({
        label: m.title,
        description: `${where}${m.missing.length ? ' · incomplete' : ''}`,
        detail: m.missing.length ? `missing: ${m.missing.join('; ')}` : 'a port mapping made by Netns Explorer',
        picked: false,
        ns: f.namespace,
        family: f.family,
        orphans: false,
        title: m.title,
      });
    }
  }
  const picks = await vscode.window.showQuickPick(items, {
    title: 'Clean Up Leftover Rules: what to remove',
    canPickMany: true,
    matchOnDescription: true,
  });
  if (!picks) return undefined;
  const out = new Map<string, CleanupSelection>();
  for (const p of picks) {
    const key = `${p.ns}/${p.family}`;
    const sel = out.get(key) ?? { orphans: false, mappings: [] };
    out.set(key, {
      orphans: sel.orphans || p.orphans,
      mappings: p.title === null ? sel.mappings : [...sel.mappings, p.title],
    });
  }
  return out;
}

/** Only the fields this command knows, with their types checked: a menu may pass something else. */
function answersOf(arg: unknown): CleanupAnswers {
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  return {
    ns: Array.isArray(a.ns) && a.ns.every((x) => typeof x === 'string') ? (a.ns as string[]) : undefined,
    remove: a.remove === 'orphans' || a.remove === 'all' ? a.remove : undefined,
    confirm: a.confirm === true,
  };
}

export function cleanUpLeftovers(ctx: CommandContext): (given?: CleanupAnswers) => Promise<CleanupOutcome | undefined> {
  return async (given) => {
    const arg = answersOf(given);
    const access = await mappingAccess(ctx);
    if (!access) {
      // Read-only: the rules cannot even be read here, so the CLI finds and removes them in a terminal.
      const remove =
        arg.remove ??
        (
          await vscode.window.showQuickPick(
            [
              { label: 'Broken pieces only', value: 'orphans' as const },
              { label: 'Broken pieces and every port mapping Netns Explorer made', value: 'all' as const },
            ],
            { title: 'Clean Up Leftover Rules' },
          )
        )?.value;
      if (!remove) return undefined;
      // One command per chosen namespace (the CLI takes one --in); none chosen means every namespace.
      const all = remove === 'all' ? ['--all'] : [];
      const runs = arg.ns?.length ? arg.ns.map((ns) => ['clean', '--in', ns, ...all]) : [['clean', ...all]];
      await offerTerminal(ctx, runs, 'Cleaning up leftover rules');
      return undefined;
    }
    const snapshot = await ctx.store.refresh();
    if (!snapshot) return undefined;
    const found = findLeftovers(snapshot).filter((f) => !arg.ns || arg.ns.includes(f.namespace));
    if (found.length === 0) {
      void showInfo('No leftover rules of Netns Explorer were found.');
      return { results: [], errors: [] };
    }
    const selections = arg.remove
      ? new Map(found.map((f) => [`${f.namespace}/${f.family}`, arg.remove === 'all' ? EVERYTHING : ORPHANS_ONLY]))
      : await askSelection(snapshot, found);
    if (!selections) return undefined;

    const byId = new Map(snapshot.namespaces.map((n) => [n.id, n]));
    const previews: { ns: Namespace; family: Family; selection: CleanupSelection; plan: MappingResult['plan'] }[] = [];
    const errors: string[] = [];
    for (const f of found) {
      const selection = selections.get(`${f.namespace}/${f.family}`);
      const ns = byId.get(f.namespace);
      if (!selection || !ns) continue;
      try {
        const preview = await access.cleanUpLeftovers(discovered(ns), f.family, selection, { dryRun: true });
        if (preview) previews.push({ ns, family: f.family, selection, plan: preview.plan });
      } catch (e) {
        errors.push(`${label(snapshot, f.namespace)}: ${(e as Error).message}`);
      }
    }
    if (previews.length && !arg.confirm) {
      const detail = previews
        .map((p) => [`${label(snapshot, p.ns.id)} (${p.family}):`, ...describePlan(p.plan)].join('\n'))
        .join('\n\n');
      const pick = await showWarning(
        'Remove these rules? Only rules and chains Netns Explorer made are touched.',
        { modal: true, detail },
        'Remove',
      );
      if (pick !== 'Remove') return undefined;
    }
    const results: MappingResult[] = [];
    for (const p of previews) {
      try {
        // The same selection is planned again under the lock; a change since the preview refuses it (stale).
        const done = await access.cleanUpLeftovers(discovered(p.ns), p.family, p.selection, {
          expected: p.plan,
        });
        if (done) results.push(done);
      } catch (e) {
        errors.push(`${label(snapshot, p.ns.id)}: ${(e as Error).message}`);
      }
    }
    void ctx.store.refresh();
    for (const e of errors) ctx.log.error(`clean up: ${e}`);
    if (errors.length) void showError(`Could not clean up everything: ${errors.join('; ')}`);
    else if (results.length)
      void showInfo(
        `Removed ${results.map((r) => r.plan.title.replace(/^leftovers of Netns Explorer: /, '')).join('; ')}.`,
      );
    return { results, errors };
  };
}

/**
 * After the first snapshot: when an earlier run left rules behind, one notification says what and where, and
 * offers to clean up broken pieces, to show the list, to remove everything, or to keep the mappings (remembered).
 */
export function offerLeftoverCleanup(
  ctx: CommandContext,
  memento: vscode.Memento,
  snapshot: Snapshot,
): LeftoverNotice | null {
  if (ctx.store.readOnly) return null;
  const found = findLeftovers(snapshot);
  if (!needsAttention(found, new Set(memento.get<string[]>(KEPT_MAPPINGS_KEY, [])))) return null;
  const message = leftoverSummary(found, (id) => label(snapshot, id));
  const hasOrphans = found.some((f) => f.orphans.length);
  const hasMappings = found.some((f) => f.mappings.length);
  const buttons = [...(hasOrphans ? ['Clean Up'] : []), 'Show', ...(hasMappings ? ['Remove All'] : []), 'Keep'];
  const shown = hasOrphans ? showWarning(message, ...buttons) : showInfo(message, ...buttons);
  void shown.then((pick) => {
    const command = COMMAND.cleanUpLeftovers;
    if (pick === 'Clean Up') void vscode.commands.executeCommand(command, { remove: 'orphans' });
    else if (pick === 'Remove All') void vscode.commands.executeCommand(command, { remove: 'all' });
    else if (pick === 'Show') void vscode.commands.executeCommand(command);
    else if (pick === 'Keep')
      void memento.update(
        KEPT_MAPPINGS_KEY,
        found.flatMap((f) => f.mappings.map((m) => leftoverKey(f.namespace, f.family, m.title))),
      );
  });
  return { message, buttons, found };
}
