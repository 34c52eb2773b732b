// Rule edits on chain contents: reading them from a dump, simulating them, undoing them, printing them for
// iptables-restore.
import type { IptablesDump, Rule } from '../iptables/types';
import type { ChainContents, RuleOp, RuleTable } from './types';

/** A rule's text after `-A CHAIN `, without counters: the form the ops and the read-back use. */
export function ruleSpec(rule: Rule): string {
  const text = rule.text.replace(/^\[\d+:\d+\]\s+/, '');
  const head = `-A ${rule.chain}`;
  return text.startsWith(`${head} `) ? text.slice(head.length + 1) : text === head ? '' : text;
}

/** The built-in chains of the tables we touch: they exist, empty, as soon as a restore names the table. */
const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/**
 * Rules of a chain (null when the chain does not exist). A table no rule has used yet is absent from the dump (a new
 * namespace has none); its built-in chains are then empty, not missing.
 */
export function chainRules(dump: IptablesDump, table: string, chain: string): string[] | null {
  const t = dump.tables.find((x) => x.name === table);
  if (!t) return BUILTIN_CHAINS[table]?.includes(chain) ? [] : null;
  const found = t.chains.find((c) => c.name === chain);
  return found ? found.rules.map(ruleSpec) : null;
}

export function chainExists(dump: IptablesDump, table: string, chain: string): boolean {
  return chainRules(dump, table, chain) !== null;
}

/** The chains `ops` touch, as they are in `dump`. */
export function touchedChains(dump: IptablesDump, ops: readonly RuleOp[]): ChainContents {
  const out: ChainContents = {};
  for (const op of ops) {
    const table = (out[op.table] ??= {});
    if (!(op.chain in table)) table[op.chain] = chainRules(dump, op.table, op.chain);
  }
  return out;
}

export function contentsOf(dump: IptablesDump, like: ChainContents): ChainContents {
  const out: ChainContents = {};
  for (const [table, chains] of Object.entries(like)) {
    out[table] = {};
    for (const chain of Object.keys(chains)) out[table]![chain] = chainRules(dump, table, chain);
  }
  return out;
}

/** What the touched chains hold once `ops` ran on `before`; throws on an op iptables-restore would refuse. */
export function simulate(before: ChainContents, ops: readonly RuleOp[]): ChainContents {
  const state: ChainContents = JSON.parse(JSON.stringify(before)) as ChainContents;
  for (const op of ops) {
    const table = (state[op.table] ??= {});
    const rules = table[op.chain] ?? null;
    switch (op.op) {
      case 'newChain':
        if (rules !== null) throw new Error(`chain ${op.chain} already exists in ${op.table}`);
        table[op.chain] = [];
        break;
      case 'deleteChain':
        if (rules === null || rules.length) throw new Error(`chain ${op.chain} in ${op.table} is missing or not empty`);
        table[op.chain] = null;
        break;
      case 'append':
        if (rules === null) throw new Error(`no chain ${op.chain} in ${op.table}`);
        rules.push(op.rule);
        break;
      case 'insert':
        if (rules === null || op.position < 1 || op.position > rules.length + 1)
          throw new Error(`cannot insert at ${op.position} in ${op.chain}`);
        rules.splice(op.position - 1, 0, op.rule);
        break;
      case 'delete': {
        const at = rules?.indexOf(op.rule) ?? -1;
        if (rules === null || at < 0) throw new Error(`no such rule in ${op.chain}: ${op.rule}`);
        rules.splice(at, 1);
        break;
      }
    }
  }
  return state;
}

/** The chains that differ between two contents, with both versions, for error messages. */
export function diffContents(expected: ChainContents, actual: ChainContents): string[] {
  const problems: string[] = [];
  for (const [table, chains] of Object.entries(expected)) {
    for (const [chain, rules] of Object.entries(chains)) {
      const got = actual[table]?.[chain] ?? null;
      if (JSON.stringify(got) !== JSON.stringify(rules)) {
        problems.push(
          `${table}/${chain}: expected ${rules === null ? 'no chain' : `${rules.length} rules`}, found ${got === null ? 'no chain' : `${got.length} rules`}`,
        );
      }
    }
  }
  return problems;
}

/**
 * The edits that take the touched chains from `current` back to `before`, touching only what the plan
 * added or removed: rules the plan added are deleted where present, rules it removed are put back after
 * the nearest earlier rule that is still there, chains it made are deleted, chains it deleted are made
 * again. Rules others added meanwhile stay. Works on a partly applied plan too.
 */
export function revertOps(planOps: readonly RuleOp[], before: ChainContents, current: ChainContents): RuleOp[] {
  const state: ChainContents = JSON.parse(JSON.stringify(current)) as ChainContents;
  const created: RuleOp[] = [];
  const removals: RuleOp[] = [];
  const restores: RuleOp[] = [];
  const drops: RuleOp[] = [];
  const rulesOf = (table: RuleTable, chain: string) => state[table]?.[chain] ?? null;

  for (const op of planOps) {
    if (op.op === 'deleteChain' && rulesOf(op.table, op.chain) === null) {
      created.push({ op: 'newChain', table: op.table, chain: op.chain });
      (state[op.table] ??= {})[op.chain] = [];
    }
  }
  for (const op of [...planOps].reverse()) {
    if (op.op !== 'append' && op.op !== 'insert') continue;
    const rules = rulesOf(op.table, op.chain);
    const at = rules?.lastIndexOf(op.rule) ?? -1;
    if (rules === null || at < 0) continue;
    rules.splice(at, 1);
    removals.push({ op: 'delete', table: op.table, chain: op.chain, rule: op.rule, index: at });
  }
  const deleted = planOps
    .filter((op): op is Extract<RuleOp, { op: 'delete' }> => op.op === 'delete')
    .sort((a, b) => a.index - b.index);
  for (const op of deleted) {
    const rules = rulesOf(op.table, op.chain);
    const original = before[op.table]?.[op.chain];
    if (rules === null || !original) continue;
    let position = 1;
    for (let i = op.index - 1; i >= 0; i--) {
      const anchor = rules.lastIndexOf(original[i] ?? '');
      if (anchor >= 0) {
        position = anchor + 2;
        break;
      }
    }
    rules.splice(position - 1, 0, op.rule);
    restores.push({ op: 'insert', table: op.table, chain: op.chain, position, rule: op.rule });
  }
  for (const op of planOps) {
    if (op.op !== 'newChain') continue;
    const rules = rulesOf(op.table, op.chain);
    if (rules !== null && rules.length === 0 && (before[op.table]?.[op.chain] ?? null) === null) {
      drops.push({ op: 'deleteChain', table: op.table, chain: op.chain });
      state[op.table]![op.chain] = null;
    }
  }
  return [...created, ...removals, ...restores, ...drops];
}

function opLine(op: RuleOp): string {
  switch (op.op) {
    case 'newChain':
      return `-N ${op.chain}`;
    case 'deleteChain':
      return `-X ${op.chain}`;
    case 'append':
      return `-A ${op.chain} ${op.rule}`;
    case 'insert':
      return `-I ${op.chain} ${op.position} ${op.rule}`;
    case 'delete':
      return `-D ${op.chain} ${op.rule}`;
  }
}

/**
 * The `iptables-restore --noflush` input: one block per table, in the order tables first appear in
 * `ops`. No chain headers: `:CHAIN` on an existing chain would flush it, so new chains use `-N`, which
 * fails instead when the name is taken.
 */
export function restorePayload(ops: readonly RuleOp[]): string {
  // iptables-save prints a newline inside a comment as is, and the parser joins such a rule back
  // together; written into a restore payload, its second line would be a command of its own (a
  // comment ending in "\n-F FORWARD" flushes FORWARD). Such a rule is never written: the change
  // is refused as a whole before anything runs.
  const split = ops.find((op) => 'rule' in op && /[\r\n]/.test(op.rule));
  if (split)
    throw new Error(
      `refusing to write a rule that spans lines in ${split.table}/${split.chain}: remove it by hand (iptables -D)`,
    );
  const tables: RuleTable[] = [];
  for (const op of ops) if (!tables.includes(op.table)) tables.push(op.table);
  const lines: string[] = [];
  for (const table of tables) {
    lines.push(`*${table}`, ...ops.filter((op) => op.table === table).map(opLine), 'COMMIT');
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** iptables-save output as compared for "nothing changed": without `#` lines and with counters zeroed. */
export function normalizeSave(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .join('\n');
}
