// The port-mapping UI shared by Create, Delete and Clean Up: the runner the privilege allows, the target, the preview
// of the exact rules, the terminal fallback without root, and the report with Undo.
import * as vscode from 'vscode';
import { describePlan } from '../core/mapping/plan';
import type { MappingPlan } from '../core/mapping/types';
import type { Namespace } from '../core/model';
import { undoMapping, type MappingResult, type MappingTarget } from '../host/portMapping/apply';
import { runnerFor } from '../host/privilege';
import { ExecRunner, formatArgv } from '../host/runner';
import type { CommandContext } from './commands/context';
import { readSettings } from './config';
import { showError, showInfo, showWarning } from './notify';

/** The runner the configured privilege allows, or null when only an interactive password would do. */
export async function mappingRunner(ctx: CommandContext): Promise<ExecRunner | null> {
  const settings = readSettings();
  const { runner, choice } = await runnerFor({
    privilege: settings.privilege,
    timeoutMs: settings.commandTimeoutMs,
    onCommand: (r) => ctx.log.command(r),
  });
  return choice.readOnly ? null : runner;
}

export function mappingTarget(runner: ExecRunner, ns: Namespace): MappingTarget {
  return {
    runner,
    namespace: {
      id: ns.id,
      dev: 0,
      ino: Number(ns.id),
      kind: ns.kind,
      name: ns.name,
      paths: ns.paths,
      processes: ns.processes,
    },
  };
}

/** The CLI command doing the same, properly quoted, run in a terminal so sudo can ask for the password. */
/** `runs` holds the arguments of one `map` command, or of several run one after the other. */
export function offerTerminal(ctx: CommandContext, runs: string[] | string[][], what: string): Thenable<void> {
  const cli = vscode.extensions.getExtension('netns-explorer.netns-explorer')?.extensionPath;
  const lists = runs.length > 0 && Array.isArray(runs[0]) ? (runs as string[][]) : [runs as string[]];
  const command = lists
    .map((args) => formatArgv(['sudo', 'node', `${cli ?? '.'}/dist/cli.js`, 'map', ...args]))
    .join(' && ');
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

/** Shows the rules before anything changes; true only for Apply. */
export async function previewApproved(plan: MappingPlan, message: string, apply: string): Promise<boolean> {
  const pick = await showInfo(message, { modal: true, detail: describePlan(plan).join('\n') }, apply);
  return pick === apply;
}

/** After a change: refresh, and offer Undo (which takes back exactly that change). */
export function reportDone(ctx: CommandContext, target: MappingTarget, result: MappingResult, message: string): void {
  void ctx.store.refresh();
  void showInfo(message, 'Undo').then(async (pick) => {
    if (pick !== 'Undo') return;
    try {
      await undoMapping(target, result.plan);
      void showInfo(`Undone: ${result.plan.title}`);
    } catch (e) {
      void showError(`Undo failed: ${(e as Error).message}`);
    }
    void ctx.store.refresh();
  });
}
