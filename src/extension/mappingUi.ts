// The port-mapping UI shared by Create, Delete and Clean Up: the runner the privilege allows, the target, the preview
// of the exact rules, the terminal fallback without root, and the report with Undo.
import * as vscode from 'vscode';
import { describePlan } from '../core/mapping/plan';
import type { MappingPlan, MappingSpec } from '../core/mapping/types';
import { mappingKey } from '../core/labels';
import { COMMAND } from './ids';
import type { DiscoveredNamespace, Namespace } from '../core/model';
import type { HostAccess } from '../host/access';
import type { MappingResult } from '../host/portMapping/apply';
import { formatArgv } from '../host/runner';
import type { CommandContext } from './commands/context';
import { cliCommand } from './access';
import { showError, showInfo, showWarning } from './notify';
import { readSettings } from './config';
import { cellWord } from '../core/reach/render';
import { flipLines, whatIf } from '../core/reach/whatIf';

/**
 * The access that may change rules: directly as root, or through the privileged helper. Without either, Grant
 * Access… is offered first (one password for the window); null when the user keeps the read-only view.
 */
export async function mappingAccess(ctx: CommandContext): Promise<HostAccess | null> {
  let choice = await ctx.store.access.current();
  if (choice.readOnly && (await ctx.store.access.grant())) choice = await ctx.store.access.current();
  return choice.readOnly ? null : choice.access;
}

/** The namespace as the host layer names it (the helper looks it up again by id; paths are never trusted from here). */
export function discovered(ns: Namespace): DiscoveredNamespace {
  return {
    id: ns.id,
    dev: 0,
    ino: Number(ns.id),
    kind: ns.kind,
    name: ns.name,
    paths: ns.paths,
    processes: ns.processes,
  };
}

/** The CLI command doing the same, properly quoted, run in a terminal so sudo can ask for the password. */
/** `runs` holds the arguments of one `map` command, or of several run one after the other. */
export function offerTerminal(ctx: CommandContext, runs: string[] | string[][], what: string): Thenable<void> {
  const extensionPath = vscode.extensions.getExtension('netns-explorer.netns-explorer')?.extensionPath ?? '.';
  const lists = runs.length > 0 && Array.isArray(runs[0]) ? (runs as string[][]) : [runs as string[]];
  const command = lists.map((args) => formatArgv(['sudo', ...cliCommand(extensionPath), 'map', ...args])).join(' && ');
  return showWarning(
    `${what} needs root, and no non-interactive way to get it is configured.`,
    { modal: true, detail: `Run in a terminal:\n\n${command}` },
    'Run in Terminal',
  ).then((pick) => {
    if (pick !== 'Run in Terminal') return;
    const terminal = vscode.window.createTerminal({ name: 'Netns Explorer: port mapping' });
    terminal.show();
    terminal.sendText(command);
    const done = vscode.window.onDidCloseTerminal((t) => {
      if (t === terminal) {
        done.dispose();
        void ctx.store.refresh();
      }
    });
    setTimeout(() => void ctx.store.refresh(), 15_000);
  });
}

/** Shows the rules before anything changes, and what the change flips (`whatIfText`); true only for Apply. */
export async function previewApproved(
  plan: MappingPlan,
  message: string,
  apply: string,
  whatIfText = '',
): Promise<boolean> {
  const pick = await showInfo(message, { modal: true, detail: `${describePlan(plan).join('\n')}${whatIfText}` }, apply);
  return pick === apply;
}

/** Flips listed in the dialog; more are counted. */
const FLIPS_SHOWN = 3;

/**
 * What if: the connections of the reachability matrix the plan would flip, on a copy of the current snapshot's rules,
 * as a paragraph for the preview dialog. Never fails the change: a what-if that cannot be worked out says so.
 */
export async function whatIfText(ctx: CommandContext, namespace: string, plan: MappingPlan): Promise<string> {
  const snapshot = ctx.store.snapshot;
  if (!snapshot) return '';
  if (plan.nft !== undefined) return '\n\nWhat if: not worked out for a native nftables plan.';
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Working out which connections the change flips…' },
      async () => {
        const extras = await (
          await ctx.store.access.current()
        ).access.traceExtras(snapshot, readSettings().concurrency);
        return whatIf(snapshot, extras, { namespace, family: plan.family, ops: plan.ops });
      },
    );
    if (result.unsupported) return `\n\nWhat if: ${result.unsupported}.`;
    // Short lines (source → address:port), so the dialog keeps its buttons on screen; the matrix has the rest.
    const lines = flipLines(result.flips, cellWord, true);
    if (lines.length === 0) return '\n\nWhat if: no connection of the reachability matrix changes.';
    const more =
      lines.length > FLIPS_SHOWN ? `\n… and ${lines.length - FLIPS_SHOWN} more (Show Reachability Matrix)` : '';
    return `\n\nWhat if: ${lines.length} connection${lines.length === 1 ? '' : 's'} of the reachability matrix change:\n${lines.slice(0, FLIPS_SHOWN).join('\n')}${more}`;
  } catch (e) {
    ctx.log.info(`what-if: ${(e as Error).message}`);
    return `\n\nWhat if: could not be worked out (${(e as Error).message}).`;
  }
}

/** The one Undo that stays in the status bar until it is used or the next change replaces it. */
let undoItem: vscode.StatusBarItem | null = null;
let undoLast: (() => Promise<void>) | null = null;

/** Runs the status bar's Undo (the internal command behind it). */
export async function undoLastChange(): Promise<void> {
  const undo = undoLast;
  undoLast = null;
  undoItem?.hide();
  await undo?.();
}

/**
 * After a change: refresh, and offer Undo (which takes back exactly that change) in a notification and in the status
 * bar, where it stays until used or replaced. For a new mapping (`made`), the notification also offers Trace It.
 */
export function reportDone(
  ctx: CommandContext,
  access: HostAccess,
  ns: DiscoveredNamespace,
  result: MappingResult,
  message: string,
  made?: { namespace: string; spec: MappingSpec },
): void {
  const undo = async () => {
    try {
      await access.undoMapping(ns, result.plan);
      void showInfo(`Undone: ${result.plan.title}`);
    } catch (e) {
      void showError(`Undo failed: ${(e as Error).message}`);
    }
    void ctx.store.refresh();
  };
  undoLast = undo;
  undoItem ??= vscode.window.createStatusBarItem('netns-explorer-undo', vscode.StatusBarAlignment.Left, 50);
  undoItem.name = 'Netns Explorer: Undo';
  undoItem.text = `$(discard) Undo ${result.plan.kind === 'add' ? 'mapping' : 'removal'}`;
  undoItem.tooltip = `Undo: ${result.plan.title}`;
  undoItem.command = COMMAND.undoLastChange;
  undoItem.show();
  const refreshed = ctx.store.refresh();
  const actions = made ? ['Undo', 'Trace It'] : ['Undo'];
  void showInfo(message, ...actions).then(async (pick) => {
    if (pick === 'Undo') {
      if (undoLast === undo) await undoLastChange();
      else await undo();
    }
    if (pick === 'Trace It' && made) {
      const snapshot = await refreshed;
      const m = snapshot?.portMappings.find(
        (x) =>
          x.namespace === made.namespace &&
          x.family === made.spec.family &&
          x.protocol === made.spec.protocol &&
          x.hostPort === made.spec.hostPort &&
          x.targetIp === made.spec.targetIp,
      );
      if (m)
        await vscode.commands.executeCommand(COMMAND.whyNotWorking, {
          kind: 'mapping',
          ns: m.namespace,
          key: mappingKey(m),
        });
    }
  });
}
