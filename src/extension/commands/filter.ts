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
    return pickFilter(ctx.store.filter).then((next) => {
      if (next) ctx.store.setFilter(next);
      return next;
    });
  };
}

/**
 * One quick input: the text is the search (name, address, process), and the two toggles are buttons on its title
 * bar, so nothing typed is thrown away between steps. Enter applies, Escape keeps the filter as it was.
 */
function pickFilter(current: ViewFilter): Promise<ViewFilter | undefined> {
  const state = { ...current };
  const input = vscode.window.createInputBox();
  input.title = 'Netns Explorer: filter';
  input.prompt = 'Show namespaces whose name, process, interfaces or addresses contain this text (empty: all)';
  input.value = current.search;
  const toggles = () => {
    input.buttons = [
      {
        iconPath: new vscode.ThemeIcon(state.hideLoopback ? 'eye-closed' : 'eye'),
        tooltip: state.hideLoopback ? 'Loopback hidden: show it' : 'Hide loopback interfaces',
      },
      {
        iconPath: new vscode.ThemeIcon(state.hideDown ? 'debug-disconnect' : 'plug'),
        tooltip: state.hideDown ? 'Down interfaces hidden: show them' : 'Hide interfaces that are down',
      },
    ];
    input.placeholder = [state.hideLoopback ? 'loopback hidden' : '', state.hideDown ? 'down hidden' : '']
      .filter(Boolean)
      .join(' · ');
  };
  toggles();
  return new Promise((resolve) => {
    let done = false;
    input.onDidTriggerButton((button) => {
      if (button === input.buttons[0]) state.hideLoopback = !state.hideLoopback;
      else state.hideDown = !state.hideDown;
      toggles();
    });
    input.onDidAccept(() => {
      done = true;
      resolve({ ...state, search: input.value });
      input.hide();
    });
    input.onDidHide(() => {
      if (!done) resolve(undefined);
      input.dispose();
    });
    input.show();
  });
}

export function clearFilter(ctx: CommandContext): () => void {
  return () => ctx.store.setFilter(NO_FILTER);
}
