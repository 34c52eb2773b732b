// Small look-ups over parsed rules: options by name (long or short spelling), chains, jumps between chains.
import type { Chain, Rule, RuleOption, Table } from './types';

/** Long spellings mapped to the short ones iptables-save prints, so either finds the option. */
const CANONICAL_NAMES = new Map([
  ['--source', '-s'],
  ['--destination', '-d'],
  ['--protocol', '-p'],
  ['--in-interface', '-i'],
  ['--out-interface', '-o'],
  ['--fragment', '-f'],
  ['--source-port', '--sport'],
  ['--destination-port', '--dport'],
  ['--source-ports', '--sports'],
  ['--destination-ports', '--dports'],
]);

function canonical(name: string): string {
  return CANONICAL_NAMES.get(name) ?? name;
}

/**
 * The first match option called `name` (either spelling), optionally only in groups of one
 * module (`null` for the built-in `-s -d -p -i -o -f`).
 */
export function findOption(rule: Rule, name: string, module?: string | null): RuleOption | undefined {
  const wanted = canonical(name);
  for (const group of rule.matches) {
    if (module !== undefined && group.module !== module) continue;
    for (const option of group.options) {
      if (canonical(option.name) === wanted) return option;
    }
  }
  return undefined;
}

/** The target's option called `name`, e.g. `--to-destination` of a DNAT rule. */
export function targetOption(rule: Rule, name: string): RuleOption | undefined {
  const wanted = canonical(name);
  return rule.target?.options.find((option) => canonical(option.name) === wanted);
}

export function chainOf(table: Table, name: string): Chain | undefined {
  return table.chains.find((chain) => chain.name === name);
}

/**
 * For every chain of the table, the user chains its rules jump (`-j`) or go (`-g`) to, each once,
 * in rule order. Targets that are not chains of this table (ACCEPT, DNAT, ...) are left out.
 */
export function jumpTargets(table: Table): Map<string, string[]> {
  const userChains = new Set<string>();
  for (const chain of table.chains) {
    if (!chain.builtin) userChains.add(chain.name);
  }
  const jumps = new Map<string, string[]>();
  for (const chain of table.chains) {
    const targets = new Set<string>();
    for (const rule of chain.rules) {
      const name = rule.target?.name;
      if (name !== undefined && userChains.has(name)) targets.add(name);
    }
    jumps.set(chain.name, [...targets]);
  }
  return jumps;
}
