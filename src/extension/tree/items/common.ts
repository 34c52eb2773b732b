// What every tree item shares: safe Markdown tooltips and small text helpers.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../../../core/markdown';

/** Tooltips show untrusted names: never trusted for command links, never raw HTML. */
export function safeMarkdown(): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}

/** A `**Label:** value` line with the value escaped. */
export function field(md: vscode.MarkdownString, label: string, value: string | number | null | undefined): void {
  if (value === null || value === undefined || value === '') return;
  md.appendMarkdown(`**${label}:** ${escapeMarkdown(String(value))}  \n`);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function icon(name: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(name, color ? new vscode.ThemeColor(color) : undefined);
}
