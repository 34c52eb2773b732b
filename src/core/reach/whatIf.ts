// What if: the matrix before and after a planned port-mapping change, applied to a copy of the snapshot's rules (the
// plan's own rule edits, as iptables-restore would make them), and the cells it flips.
import { parseIptablesSave } from '../iptables/parse';
import { endpoint } from '../net/address';
import type { Rule } from '../iptables/types';
import type { RuleOp } from '../mapping/types';
import type { Family, NamespaceId, PortMapping, Snapshot } from '../model';
import { ruleSourceOf } from '../rules';
import type { IptablesRuleSet, RuleSet } from '../rules/types';
import { resolveTargets } from '../snapshot';
import type { NamespaceExtras } from '../trace/types';
import { computeCells, type ReachCell, type ReachMatrix } from './matrix';
import { reachColumns, reachRows, type ReachScope } from './targets';

/** One rule as iptables-save prints it after `-A CHAIN `, read into the structure the trace walks. */
function readRule(table: string, chain: string, text: string): Rule {
  const dump = parseIptablesSave(`*${table}\n:${chain} - [0:0]\n-A ${chain} ${text}\nCOMMIT\n`);
  const rule = dump.tables[0]?.chains[0]?.rules[0];
  if (!rule) throw new Error(`cannot read the planned rule: -A ${chain} ${text}`);
  return rule;
}

/** The chains a table has from its first use (iptables-nft makes a table, with these, when a rule first needs it). */
const BUILTIN: Record<string, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** The rule set with the plan's edits made, as `iptables-restore --noflush` would; the original is left alone. */
export function withOps(set: IptablesRuleSet, ops: readonly RuleOp[]): IptablesRuleSet {
  const copy = structuredClone(set);
  for (const op of ops) {
    let table = copy.tables.find((t) => t.name === op.table);
    if (!table) {
      table = { name: op.table, chains: [] };
      copy.tables.push(table);
    }
    let chain = table.chains.find((c) => c.name === op.chain);
    if (!chain && op.op !== 'newChain' && BUILTIN[op.table]?.includes(op.chain)) {
      // A table that holds no rule yet (a node whose filter table was never used): its built-in chains, empty.
      chain = { name: op.chain, policy: 'ACCEPT', builtin: true, counters: null, rules: [] };
      table.chains.push(chain);
    }
    if (op.op === 'newChain') {
      if (!chain) table.chains.push({ name: op.chain, policy: null, builtin: false, counters: null, rules: [] });
      continue;
    }
    if (op.op === 'deleteChain') {
      table.chains = table.chains.filter((c) => c.name !== op.chain);
      continue;
    }
    if (!chain) throw new Error(`the plan edits ${op.table} ${op.chain}, which does not exist`);
    if (op.op === 'append') chain.rules.push(readRule(op.table, op.chain, op.rule));
    else if (op.op === 'insert') chain.rules.splice(op.position - 1, 0, readRule(op.table, op.chain, op.rule));
    else {
      const at = chain.rules.findIndex((r) => r.text.replace(/^\[\d+:\d+\] /, '') === `-A ${op.chain} ${op.rule}`);
      if (at < 0) throw new Error(`the plan deletes a rule that is not there: -A ${op.chain} ${op.rule}`);
      chain.rules.splice(at, 1);
    }
    chain.rules.forEach((r, i) => {
      r.index = i;
      r.table = op.table;
      r.chain = op.chain;
    });
  }
  copy.ruleCount = copy.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
  return copy;
}

/**
 * The snapshot with one namespace's iptables rules of one family edited; its port mappings derived again. Null when
 * that namespace has no iptables rule set of the family (a plan for native nftables is not simulated).
 */
export function snapshotWith(
  snapshot: Snapshot,
  namespace: NamespaceId,
  family: Family,
  ops: readonly RuleOp[],
): Snapshot | null {
  // The plan edits what the nf_tables tools show (the legacy dump only where that is all there is).
  const candidates = snapshot.nat
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.namespace === namespace && s.family === family);
  const index = (candidates.find(({ s }) => !s.source.includes('legacy')) ?? candidates[0])?.i ?? -1;
  const set = snapshot.nat[index];
  if (!set || set.source === 'nft') return null;
  const nat: RuleSet[] = [...snapshot.nat];
  nat[index] = withOps(set, ops);
  const portMappings: PortMapping[] = nat.flatMap((s) =>
    ruleSourceOf(s)
      .portMappings(s)
      .map((m) => ({ ...m, source: s.source })),
  );
  resolveTargets(portMappings, snapshot.namespaces);
  return { ...snapshot, nat, portMappings };
}

export interface Flip {
  row: string;
  column: string;
  before: ReachCell;
  after: ReachCell;
}

export interface WhatIf {
  /** The cells whose connection changes (works → fails or fails → works). */
  flips: Flip[];
  /** The matrices compared, over the same rows and columns (those of either side). */
  before: ReachMatrix | null;
  after: ReachMatrix | null;
  /** Set when the change could not be simulated (a native nftables plan). */
  unsupported: string | null;
}

/** Rows or columns of both sides, once each, by key. */
function union<T extends { key: string }>(a: readonly T[], b: readonly T[]): T[] {
  const seen = new Set(a.map((x) => x.key));
  return [...a, ...b.filter((x) => !seen.has(x.key))];
}

/**
 * The matrix before and after the plan's edits, over the same rows and columns: a published port the change adds is
 * dialled before it too (refused, say), and one it removes is dialled after it; then the cells whose connection flips.
 */
export function whatIf(
  snapshot: Snapshot,
  extras: ReadonlyMap<NamespaceId, NamespaceExtras>,
  change: { namespace: NamespaceId; family: Family; ops: readonly RuleOp[] },
  scope: ReachScope = {},
): WhatIf {
  const edited = snapshotWith(snapshot, change.namespace, change.family, change.ops);
  if (!edited)
    return {
      flips: [],
      before: null,
      after: null,
      unsupported: 'the what-if simulates iptables rule edits only, not native nftables',
    };
  const rows = union(reachRows(snapshot, scope), reachRows(edited, scope));
  const columns = union(reachColumns(snapshot, extras, scope), reachColumns(edited, extras, scope));
  const before: ReachMatrix = { rows, columns, cells: computeCells(snapshot, extras, rows, columns) };
  const after: ReachMatrix = { rows, columns, cells: computeCells(edited, extras, rows, columns) };
  const flipsList: Flip[] = [];
  // Both sides traced the same applicable cells in the same order.
  after.cells.forEach((cell, i) => {
    const was = before.cells[i];
    if (was && was.connected !== cell.connected)
      flipsList.push({
        row: rows[cell.row]?.label ?? cell.from,
        column: columns[cell.column]?.label ?? '',
        before: was,
        after: cell,
      });
  });
  // From outside first: what publishing a port is usually for.
  flipsList.sort((a, b) => Number(b.after.via !== undefined) - Number(a.after.via !== undefined));
  return { flips: flipsList, before, after, unsupported: null };
}

/**
 * One line per flip: `outside via eth0 of host → host 198.18.0.1:18080/tcp → web1 …: refused → connects`; `short`
 * names the destination by address and port only (`→ 198.18.0.1:18080/tcp`), for a dialog.
 */
export function flipLines(list: readonly Flip[], word: (c: ReachCell) => string, short = false): string[] {
  return list.map((f) => {
    const to = short ? `${endpoint(f.after.to.ip, f.after.to.port)}/${f.after.to.proto}` : f.column;
    return `${f.row} → ${to}: ${word(f.before)} → ${word(f.after)}`;
  });
}
