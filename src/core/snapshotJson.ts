// What `snapshot --json` prints: the snapshot with the runtimes' fields, the host's published ports in
// `portMappings[]` and Kubernetes Services apart in `services[]` (core/services.ts), and each iptables rule as its text
// (with counters and comment) unless the parse is asked for: the parse is about five times the dump's size, the
// text a little more than once, and `rules --in NS --json` explains every rule anyway.
import type { Rule, Table } from './iptables/types';
import type { PortMapping, Snapshot } from './model';
import type { RuleSet } from './rules/types';
import { withRuntimeFields } from './runtime';
import { isServiceMapping, servicesOf } from './services';

function compactTable(t: Table): unknown {
  return {
    ...t,
    chains: t.chains.map((c) => ({
      ...c,
      rules: c.rules.map((r: Rule) => ({ counters: r.counters, comment: r.comment, text: r.text })),
    })),
  };
}

function compactSet(set: RuleSet): unknown {
  return set.source === 'nft' ? set : { ...set, tables: set.tables.map(compactTable) };
}

export function snapshotJson(snapshot: Snapshot, options: { runtime: boolean; parsedRules: boolean }): unknown {
  const base = (options.runtime ? withRuntimeFields(snapshot) : { ...snapshot }) as Record<string, unknown>;
  const { runtime: _runtime, ...out } = base;
  return {
    ...out,
    portMappings: (base.portMappings as PortMapping[]).filter((m) => !isServiceMapping(m)),
    services: servicesOf(snapshot),
    nat: options.parsedRules ? snapshot.nat : snapshot.nat.map(compactSet),
  };
}
