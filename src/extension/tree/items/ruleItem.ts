// Tree items for rule sets, tables, chains, pages of rules and rules, with explained tooltips; built from the
// rule-source outlines (src/core/rules), whatever kind of rule set they come from.
import * as vscode from 'vscode';
import { codeBlock, escapeMarkdown } from '../../../core/markdown';
import type { RuleSet } from '../../../core/model';
import type { ChainOutline, RuleDetails, RuleOutline, TableOutline } from '../../../core/rules/types';
import type { SnapshotIndex } from '../snapshotIndex';
import { field, icon, plural, safeMarkdown } from './common';

const TARGET_ICON: Record<string, string> = {
  DNAT: 'arrow-right',
  SNAT: 'arrow-left',
  MASQUERADE: 'eye-closed',
  ACCEPT: 'check',
  DROP: 'circle-slash',
  REJECT: 'error',
  RETURN: 'debug-step-out',
  REDIRECT: 'debug-step-over',
  LOG: 'output',
  MARK: 'tag',
};

/** The packets a rule set sees, for labels: nft's one set per namespace sees both families. */
function familyText(set: RuleSet): string {
  return set.family === 'all' ? 'IPv4 and IPv6' : set.family === 'ipv6' ? 'IPv6' : 'IPv4';
}

export function ruleSetItem(set: RuleSet, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(`${idx.label(set.namespace)}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = `${set.source} · ${familyText(set)} · ${plural(set.ruleCount, 'rule')}`;
  item.iconPath = icon('shield');
  item.contextValue = 'natRuleSet';
  return item;
}

export function tableItem(t: TableOutline): vscode.TreeItem {
  const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = `${plural(t.chains, 'chain')} · ${plural(t.rules, 'rule')}`;
  item.iconPath = icon('table');
  item.contextValue = 'natTable';
  return item;
}

export function chainItem(c: ChainOutline): vscode.TreeItem {
  const item = new vscode.TreeItem(
    c.name,
    c.rules ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.description = [
    c.hook,
    c.policy ? `policy ${c.policy}` : undefined,
    plural(c.rules, 'rule'),
    c.owner !== 'unknown' && c.owner !== 'system' ? c.owner : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon(c.base ? 'symbol-event' : 'symbol-method');
  item.contextValue = 'chain';
  return item;
}

export function chainTooltip(c: ChainOutline, table: string, reachedFrom: string[][]): vscode.MarkdownString {
  const md = safeMarkdown();
  md.appendMarkdown(`### Chain ${escapeMarkdown(c.name)} (${escapeMarkdown(table)})\n\n`);
  if (c.hook) field(md, 'Base chain', c.hook);
  field(md, 'Policy', c.policy ?? 'none (user chain: falls back to the caller)');
  field(md, 'Rules', c.rules);
  field(md, 'Owner', c.owner);
  if (c.counters) field(md, 'Policy counters', `${c.counters.packets} packets, ${c.counters.bytes} bytes`);
  if (reachedFrom.length) field(md, 'Reached from', reachedFrom.map((p) => p.join(' → ')).join('; '));
  return md;
}

export function rulePageItem(start: number, end: number): vscode.TreeItem {
  const item = new vscode.TreeItem(`rules ${start + 1}–${end}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.iconPath = icon('list-flat');
  item.contextValue = 'rulePage';
  return item;
}

export function ruleItem(rule: RuleOutline): vscode.TreeItem {
  const item = new vscode.TreeItem(rule.body, vscode.TreeItemCollapsibleState.None);
  item.description = rule.counters ? `${rule.counters.packets} pkts` : undefined;
  // iptables names targets in capitals, nft its verdicts and statements in lower case.
  const target = (rule.verdict ?? '').toUpperCase();
  item.iconPath = icon(TARGET_ICON[target] ?? (target ? 'debug-step-into' : 'circle-small'));
  item.contextValue = `rule${target === 'DNAT' ? '.dnat' : ''}`;
  return item;
}

/** Everything a rule's hover shows: the rule, what it does, how packets get there, counters, owner. */
export function ruleTooltip(d: RuleDetails, set: RuleSet, idx: SnapshotIndex): vscode.MarkdownString {
  const md = safeMarkdown();
  const where = `${d.ref.table} / ${d.ref.chain}`;
  md.appendMarkdown(
    `**${escapeMarkdown(d.verdict ?? 'Counting')} rule** in ${escapeMarkdown(where)}, rule ${d.ref.index + 1} — ${escapeMarkdown(idx.label(set.namespace))} (${familyText(set)})\n\n`,
  );
  md.appendMarkdown(codeBlock(d.text, d.language));
  md.appendMarkdown(`\n\n${escapeMarkdown(d.explanation)}\n\n`);
  const paths = d.reachedFrom;
  field(md, 'Reached from', paths.length ? paths.map((p) => p.join(' → ')).join('; ') : 'no hook reaches this chain');
  if (d.conditionsOnTheWay.length) field(md, 'Conditions on the way', d.conditionsOnTheWay.join('; '));
  field(md, 'Counters', d.counters ? `${d.counters.packets} packets, ${d.counters.bytes} bytes` : 'not read');
  field(md, 'Chain owner', d.chainOwner);
  return md;
}
