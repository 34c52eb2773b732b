// Tree items for NAT rule sets, tables, chains, pages of rules and rules, with explained tooltips.
import * as vscode from 'vscode';
import { chainGraph } from '../../../core/explain/chainPath';
import { chainOwner } from '../../../core/explain/owner';
import { explainRule } from '../../../core/explain/rule';
import type { Chain, Rule, Table } from '../../../core/iptables/types';
import { codeBlock, escapeMarkdown } from '../../../core/markdown';
import type { NatRuleSet } from '../../../core/model';
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

const ruleCount = (t: Table): number => t.chains.reduce((n, c) => n + c.rules.length, 0);

export function ruleSetItem(set: NatRuleSet, idx: SnapshotIndex): vscode.TreeItem {
  const item = new vscode.TreeItem(`${idx.label(set.namespace)}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = `${set.source} · ${set.family === 'ipv6' ? 'IPv6' : 'IPv4'} · ${plural(set.ruleCount, 'rule')}`;
  item.iconPath = icon('shield');
  item.contextValue = 'natRuleSet';
  return item;
}

export function tableItem(t: Table): vscode.TreeItem {
  const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = `${plural(t.chains.length, 'chain')} · ${plural(ruleCount(t), 'rule')}`;
  item.iconPath = icon('table');
  item.contextValue = 'natTable';
  return item;
}

export function chainItem(c: Chain): vscode.TreeItem {
  const item = new vscode.TreeItem(
    c.name,
    c.rules.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  const owner = chainOwner(c.name);
  item.description = [
    c.policy ? `policy ${c.policy}` : undefined,
    plural(c.rules.length, 'rule'),
    owner !== 'unknown' && owner !== 'system' ? owner : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = icon(c.builtin ? 'symbol-event' : 'symbol-method');
  item.contextValue = 'chain';
  return item;
}

export function chainTooltip(c: Chain, t: Table): vscode.MarkdownString {
  const md = safeMarkdown();
  md.appendMarkdown(`### Chain ${escapeMarkdown(c.name)} (${escapeMarkdown(t.name)})\n\n`);
  field(md, 'Policy', c.policy ?? 'none (user chain: falls back to the caller)');
  field(md, 'Rules', c.rules.length);
  field(md, 'Owner', chainOwner(c.name));
  if (c.counters) field(md, 'Policy counters', `${c.counters.packets} packets, ${c.counters.bytes} bytes`);
  const paths = chainGraph(t).pathsTo(c.name);
  if (paths.length) field(md, 'Reached from', paths.map((p) => p.join(' → ')).join('; '));
  return md;
}

export function rulePageItem(start: number, end: number): vscode.TreeItem {
  const item = new vscode.TreeItem(`rules ${start + 1}–${end}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.iconPath = icon('list-flat');
  item.contextValue = 'rulePage';
  return item;
}

/** The rule as a reader wants it in a list: no counters, no `-A CHAIN`. */
export function ruleBody(rule: Rule): string {
  const text = rule.text.replace(/^\[\d+:\d+\] /, '');
  const prefix = `-A ${rule.chain} `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

export function ruleItem(rule: Rule): vscode.TreeItem {
  const item = new vscode.TreeItem(ruleBody(rule), vscode.TreeItemCollapsibleState.None);
  item.description = rule.counters ? `${rule.counters.packets} pkts` : undefined;
  const target = rule.target?.name ?? '';
  item.iconPath = icon(TARGET_ICON[target] ?? (target ? 'debug-step-into' : 'circle-small'));
  item.contextValue = `rule${target === 'DNAT' ? '.dnat' : ''}`;
  return item;
}

/**
 * The plain-language sentence for a rule; a chain reached only via `addrtype LOCAL` jumps means "to any local address".
 */
export function ruleExplanation(rule: Rule, table: Table, idx: SnapshotIndex, nsId: string): string {
  const graph = chainGraph(table);
  return explainRule(rule, {
    addressOwner: (ip) => {
      const owner = idx.ownerOf(ip, nsId);
      return owner ? idx.label(owner.ns.id) : undefined;
    },
    reachedOnlyForLocalDestination: graph.onlyForLocalDestination(rule.chain),
  });
}

/** Everything a rule's hover shows: the rule, what it does, how packets get there, counters, owner. */
export function ruleTooltip(rule: Rule, table: Table, set: NatRuleSet, idx: SnapshotIndex): vscode.MarkdownString {
  const md = safeMarkdown();
  const graph = chainGraph(table);
  const paths = graph.pathsTo(rule.chain);
  const inherited = paths[0] ? graph.inheritedConditions(paths[0]) : [];
  const explanation = ruleExplanation(rule, table, idx, set.namespace);
  md.appendMarkdown(
    `**${escapeMarkdown(rule.target?.name ?? 'Counting')} rule** in ${escapeMarkdown(`${table.name} / ${rule.chain}`)}, rule ${rule.index + 1} — ${escapeMarkdown(idx.label(set.namespace))} (${set.family === 'ipv6' ? 'IPv6' : 'IPv4'})\n\n`,
  );
  md.appendMarkdown(codeBlock(rule.text.replace(/^\[\d+:\d+\] /, ''), 'iptables'));
  md.appendMarkdown(`\n\n${escapeMarkdown(explanation)}\n\n`);
  field(md, 'Reached from', paths.length ? paths.map((p) => p.join(' → ')).join('; ') : 'no hook reaches this chain');
  if (inherited.length) field(md, 'Conditions on the way', inherited.join('; '));
  field(md, 'Counters', rule.counters ? `${rule.counters.packets} packets, ${rule.counters.bytes} bytes` : 'not read');
  field(md, 'Chain owner', chainOwner(rule.chain));
  return md;
}
