// netnsExplorer.filter / clearFilter: hide loopback or down interfaces, and search by name or address.
import * as vscode from 'vscode';
import { NO_FILTER, type ViewFilter } from '../store';
import type { CommandContext } from './context';

/** With an argument (from tests or keybindings) the filter is set directly; without, the user picks. */
export function filter(ctx: CommandContext): (preset?: Partial<ViewFilter>) => Promise<ViewFilter | undefined> {
  return async (preset) => {
    if (preset) {
      const next = { ...ctx.store.filter, ...preset };
      ctx.store.setFilter(next);
      return next;
    }
    const current = ctx.store.filter;
    const items: (vscode.QuickPickItem & { key?: keyof ViewFilter })[] = [
      { label: 'Hide loopback interfaces', key: 'hideLoopback', picked: current.hideLoopback },
      { label: 'Hide interfaces that are down', key: 'hideDown', picked: current.hideDown },
    ];
    const picks = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: 'Netns Explorer: filter interfaces',
    });
    if (!picks) return undefined;
    const search = await vscode.window.showInputBox({
      title: 'Netns Explorer: search',
      prompt: 'Show namespaces whose name, interfaces or addresses contain this text (empty: all)',
      value: current.search,
    });
    if (search === undefined) return undefined;
    const next: ViewFilter = {
      hideLoopback: picks.some((p) => p.key === 'hideLoopback'),
      hideDown: picks.some((p) => p.key === 'hideDown'),
      search,
    };
    ctx.store.setFilter(next);
    return next;
  };
}

export function clearFilter(ctx: CommandContext): () => void {
  return () => ctx.store.setFilter(NO_FILTER);
}
