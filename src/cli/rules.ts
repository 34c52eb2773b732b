// `netns-explorer rules --in NS [--json]`: every rule of a namespace with its explanation, and what in it is not put
// into words.
import { parseArgs } from 'node:util';
import { resolveNamespace } from '../core/namespaceRef';
import { ruleRows } from '../core/rules/list';
import { HOST_READ_ARGS, readHost } from './readHost';
import { safeText } from './render';

export const RULES_USAGE = `usage:
  netns-explorer rules --in NS [--json]

  Every rule of the namespace (iptables of both families, and native nftables tables), each with its explanation
  in the words of the hover, and the matches and targets not put into words. NS as for trace and map.
  --json prints [{ family, source, table, chain, index, text, explanation, uninterpreted: [...] }].
  --privilege, --docker-netns-dir, --docker-host and --timeout as for snapshot.
`;

export class RulesUsageError extends Error {}

export async function runRules(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: HOST_READ_ARGS,
  });
  if (values.help) {
    process.stdout.write(RULES_USAGE);
    return 0;
  }
  if (values.in === undefined) throw new RulesUsageError('--in NS is required');
  const { snapshot } = await readHost({
    privilege: values.privilege,
    timeout: values.timeout,
    dockerNetnsDirs: values['docker-netns-dir'],
    dockerHost: values['docker-host'],
  });
  const found = resolveNamespace(snapshot.namespaces, values.in);
  if (typeof found === 'string') throw new RulesUsageError(found);
  const rows = ruleRows(snapshot, found.id);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const r of rows) {
    lines.push(`${r.source} ${r.table} ${r.chain} #${r.index + 1}: ${safeText(r.text)}`);
    lines.push(`    ${safeText(r.explanation)}`);
    if (r.uninterpreted.length) lines.push(`    not interpreted: ${safeText(r.uninterpreted.join(', '))}`);
  }
  const uninterpreted = rows.filter((r) => r.uninterpreted.length).length;
  lines.push('', `${rows.length} rules, ${uninterpreted} with something not interpreted`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
