// Renders rule sets as an iptables-save style text document and remembers which line holds which rule.
import { printChainHeader } from './print';
import type { Rule, Table } from './types';

export interface RuleDocument {
  text: string;
  /** Index = 0-based line number; null for lines that are not rules. */
  rules: (Rule | null)[];
}

/** The header lines are comments, so the document is still valid `iptables-restore` input. */
export function renderRuleDocument(tables: readonly Table[], header: readonly string[]): RuleDocument {
  const lines: string[] = header.map((h) => `# ${h.replace(/[\r\n]/g, ' ')}`);
  const rules: (Rule | null)[] = lines.map(() => null);
  const push = (line: string, rule: Rule | null): void => {
    lines.push(line);
    rules.push(rule);
  };
  for (const table of tables) {
    push(`*${table.name}`, null);
    for (const chain of table.chains) push(printChainHeader(chain), null);
    for (const chain of table.chains) for (const rule of chain.rules) push(rule.text, rule);
    push('COMMIT', null);
  }
  return { text: `${lines.join('\n')}\n`, rules };
}
