// Plans a mapping's creation or removal as exact rule edits, checked against the parsed dump and the listeners.
import { OWN_COMMENT_PREFIX, pathOwner } from '../explain/owner';
import type { IptablesDump, Rule, Table } from '../iptables/types';
import type { Family } from '../model';
import { deriveMappings } from '../portMappings';
import { chainExists, ruleSpec, touchedChains } from './chainEdits';
import { dnatConflicts, listenerConflicts } from './conflicts';
import { isOwnHook } from './leftovers';
import {
  DOCKER_USER,
  HOOK_COMMENT,
  OWN_CHAINS,
  hookRules,
  mappingComment,
  mappingRules,
  mappingTitle,
  specFromComment,
} from './rules';
import type { Listener } from '../listeners';
import type {
  MappingConflict,
  MappingOwner,
  MappingPlan,
  MappingSelector,
  MappingSpec,
  RuleOp,
  RuleTable,
} from './types';
import { isLoopback } from '../net/address';
import { RULE_TABLES } from './types';
import { anyAddress } from './validate';

export type Planned = { ok: true; plan: MappingPlan } | { ok: false; conflicts: MappingConflict[]; error: string };

function table(dump: IptablesDump, name: string): Table | undefined {
  return dump.tables.find((t) => t.name === name);
}

function allRules(dump: IptablesDump, tableName: RuleTable): Rule[] {
  return table(dump, tableName)?.chains.flatMap((c) => c.rules) ?? [];
}

/**
 * Rules in our own chains of a table: the only place our tagged rules are written, so the only place they are taken
 * from.
 */
function ownChainRules(dump: IptablesDump, tableName: RuleTable): Rule[] {
  const names = Object.values(OWN_CHAINS)
    .filter((o) => o.table === tableName)
    .map((o) => o.chain as string);
  return (
    table(dump, tableName)
      ?.chains.filter((c) => names.includes(c.name))
      .flatMap((c) => c.rules) ?? []
  );
}

/** The specs of our mappings present in a dump, from their tagging comments in our chains, each once. */
export function ownMappings(dump: IptablesDump, family: Family): MappingSpec[] {
  const seen = new Map<string, MappingSpec>();
  for (const rule of ownChainRules(dump, 'nat')) {
    const spec = specFromComment(rule.comment);
    if (spec && spec.family === family && rule.target?.name === 'DNAT') seen.set(mappingTitle(spec), spec);
  }
  return [...seen.values()];
}

/** Where the filter hook goes: Docker's DOCKER-USER when it exists (Docker's documented place), else FORWARD. */
export function filterHookChain(dump: IptablesDump): string {
  return chainExists(dump, 'filter', DOCKER_USER) ? DOCKER_USER : 'FORWARD';
}

function hookPresent(dump: IptablesDump, tableName: RuleTable, target: string): boolean {
  return allRules(dump, tableName).some((r) => r.comment === HOOK_COMMENT && r.target?.name === target);
}

/** Adds `spec` to the namespace whose dump (and listeners) are given; refuses conflicts, naming the other side. */
/** Removals go filter first, raw last: the reverse of the order a mapping is added in. */
const REMOVAL_ORDER: readonly RuleTable[] = ['filter', 'nat', 'raw'];

/**
 * The plan to publish `spec`. `localAddresses` (the namespace's own, when read) tells services (ClusterIPs) apart
 * from host ports, so only a binding that can receive the same packets is a conflict.
 */
export function planAdd(
  dump: IptablesDump,
  spec: MappingSpec,
  listeners: readonly Listener[],
  localAddresses: readonly string[] | null = null,
): Planned {
  const conflicts = [...dnatConflicts(table(dump, 'nat'), spec, localAddresses), ...listenerConflicts(listeners, spec)];
  if (conflicts.length) return { ok: false, conflicts, error: conflicts.map((c) => c.message).join('; ') };
  // A chain of ours must be empty of other writers: a same-named chain without our tags is someone else's.
  for (const own of Object.values(OWN_CHAINS)) {
    const chain = table(dump, own.table)?.chains.find((c) => c.name === own.chain);
    const foreign = chain?.rules.find((r) => !r.comment?.startsWith(OWN_COMMENT_PREFIX));
    if (foreign) {
      const message = `${own.table}/${own.chain} holds a rule Netns Explorer did not write (${foreign.text}); refusing to add to it`;
      return {
        ok: false,
        conflicts: [{ kind: 'dnat', owner: 'unknown', rule: foreign.text, message }],
        error: message,
      };
    }
  }
  const ops: RuleOp[] = [];
  const rules = mappingRules(spec);
  // Per table: chains first, then their rules, then the hooks, so no hook ever jumps to a missing chain. Only the
  // chains this mapping writes to are made and hooked (the raw chain only for a mapping bound to 127.0.0.1).
  const used = (chain: string) => rules.some((r) => r.chain === chain);
  for (const tableName of RULE_TABLES) {
    for (const own of Object.values(OWN_CHAINS)) {
      if (own.table === tableName && used(own.chain) && !chainExists(dump, own.table, own.chain))
        ops.push({ op: 'newChain', table: own.table, chain: own.chain });
    }
    for (const r of rules)
      if (r.table === tableName) ops.push({ op: 'append', table: r.table, chain: r.chain, rule: r.rule });
    for (const hook of hookRules(filterHookChain(dump))) {
      if (hook.table === tableName && used(hook.target) && !hookPresent(dump, hook.table, hook.target))
        ops.push({ op: 'insert', table: hook.table, chain: hook.chain, position: 1, rule: hook.rule });
    }
  }
  return {
    ok: true,
    plan: {
      kind: 'add',
      family: spec.family,
      title: mappingTitle(spec),
      owner: 'netns-explorer',
      ops,
      before: touchedChains(dump, ops),
      spec,
      needsRouteLocalnet: spec.hostIp !== null && isLoopback(spec.hostIp),
    },
  };
}

/** Deleting exactly `rule` (by its text; its position kept for undo). */
export function deleteOp(rule: Rule): RuleOp {
  return { op: 'delete', table: rule.table as RuleTable, chain: rule.chain, rule: ruleSpec(rule), index: rule.index };
}

/** Removes one of our mappings: every rule tagged with it; with the last mapping, the hooks and our chains too. */
export function planRemoveOwn(dump: IptablesDump, spec: MappingSpec): MappingPlan | null {
  const comment = mappingComment(spec);
  const ops: RuleOp[] = [];
  for (const tableName of REMOVAL_ORDER) {
    for (const rule of ownChainRules(dump, tableName)) if (rule.comment === comment) ops.push(deleteOp(rule));
  }
  if (ops.length === 0) return null;
  const remaining = ownMappings(dump, spec.family).filter((s) => mappingTitle(s) !== mappingTitle(spec));
  if (remaining.length > 0) {
    // Other mappings stay, but a chain only this one used (the raw chain of a 127.0.0.1 mapping) goes with its hook.
    for (const own of Object.values(OWN_CHAINS)) {
      const chain = table(dump, own.table)?.chains.find((c) => c.name === own.chain);
      if (!chain || chain.rules.length === 0 || !chain.rules.every((r) => r.comment === comment)) continue;
      const hooks = allRules(dump, own.table).filter((r) => isOwnHook(r, own.table) && r.target?.name === own.chain);
      ops.unshift(...hooks.map(deleteOp));
      ops.push({ op: 'deleteChain', table: own.table, chain: own.chain });
    }
  }
  if (remaining.length === 0) {
    const hooks: RuleOp[] = [];
    const drops: RuleOp[] = [];
    for (const tableName of REMOVAL_ORDER) {
      // Our hook comment on a jump to a chain not ours (NETNS-EXPLORERX) is someone else's rule: it stays.
      for (const rule of allRules(dump, tableName)) if (isOwnHook(rule, tableName)) hooks.push(deleteOp(rule));
    }
    for (const own of Object.values(OWN_CHAINS)) {
      const chain = table(dump, own.table)?.chains.find((c) => c.name === own.chain);
      // Only chains that hold nothing but this mapping's rules go: never delete what another writer put there.
      if (chain && chain.rules.every((r) => r.comment === comment))
        drops.push({ op: 'deleteChain', table: own.table, chain: own.chain });
    }
    ops.unshift(...hooks);
    ops.push(...drops);
  }
  return {
    kind: 'remove',
    family: spec.family,
    title: mappingTitle(spec),
    owner: 'netns-explorer',
    ops,
    before: touchedChains(dump, ops),
    spec,
    needsRouteLocalnet: false,
  };
}

export interface ForeignMapping {
  owner: MappingOwner;
  /** The DNAT rule and the companions found for it. */
  rules: Rule[];
  title: string;
}

/**
 * Docker's (or anyone's) mapping matching `selector`: its DNAT rule, plus the companions written for it
 * in the same namespace: the filter ACCEPT to the target port and the hairpin MASQUERADE.
 */
export function findForeignMapping(dump: IptablesDump, selector: MappingSelector): ForeignMapping | null {
  const nat = table(dump, 'nat');
  if (!nat) return null;
  const any = anyAddress(selector.family);
  const m = deriveMappings(nat, 'ns', selector.family).find(
    (x) =>
      x.owner !== 'netns-explorer' &&
      x.protocol === selector.protocol &&
      x.hostPort === selector.hostPort &&
      (selector.hostIp === undefined || x.hostIp === (selector.hostIp ?? any)),
  );
  if (!m) return null;
  const dnat = nat.chains.find((c) => c.name === m.ruleRef.chain)?.rules[m.ruleRef.index];
  if (!dnat) return null;
  const host = selector.family === 'ipv4' ? '/32' : '/128';
  const target = `${m.targetIp}${host}`;
  const port = String(m.targetPort).replace('-', ':');
  const matchesTarget = (r: Rule, jump: string) =>
    r.target?.name === jump &&
    r.text.includes(` -p ${m.protocol} `) &&
    new RegExp(`--dport ${port.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`).test(r.text);
  const companions = [
    ...allRules(dump, 'filter').filter((r) => matchesTarget(r, 'ACCEPT') && r.text.includes(`-d ${target} `)),
    ...nat.chains
      .flatMap((c) => c.rules)
      .filter((r) => matchesTarget(r, 'MASQUERADE') && r.text.includes(`-s ${target} -d ${target} `)),
  ];
  return {
    owner: pathOwner(m.chainPath, m.comment),
    rules: [dnat, ...companions],
    title: `${m.protocol} ${m.hostIp}:${m.hostPort} -> ${m.targetIp}:${m.targetPort}`,
  };
}

/** Removes a foreign mapping's rules exactly (only after the user accepted the owner warning). */
export function planRemoveForeign(dump: IptablesDump, family: Family, found: ForeignMapping): MappingPlan {
  const ops = found.rules.map(deleteOp).sort((a, b) => (a.table === b.table ? 0 : a.table === 'filter' ? -1 : 1));
  return {
    kind: 'remove',
    family,
    title: found.title,
    owner: found.owner,
    ops,
    before: touchedChains(dump, ops),
    spec: null,
    needsRouteLocalnet: false,
  };
}

/** Our mapping matching the selector, if any. */
export function findOwnMapping(dump: IptablesDump, selector: MappingSelector): MappingSpec | null {
  return (
    ownMappings(dump, selector.family).find(
      (s) =>
        s.protocol === selector.protocol &&
        s.hostPort === selector.hostPort &&
        (selector.hostIp === undefined ||
          s.hostIp === (selector.hostIp === anyAddress(selector.family) ? null : selector.hostIp)),
    ) ?? null
  );
}

/** The rules a plan adds or removes, as a user reads them (`-A CHAIN ...` / `-D CHAIN ...`), for previews. */
export function describePlan(plan: MappingPlan): string[] {
  // An nft plan is its script, one command per line (nft's own syntax).
  if (plan.nft !== undefined)
    return plan.nft
      .split('\n')
      .filter(Boolean)
      .map((line) => `nft: ${line}`);
  return plan.ops.map((op) => {
    switch (op.op) {
      case 'newChain':
        return `${op.table}: -N ${op.chain}`;
      case 'deleteChain':
        return `${op.table}: -X ${op.chain}`;
      case 'append':
        return `${op.table}: -A ${op.chain} ${op.rule}`;
      case 'insert':
        return `${op.table}: -I ${op.chain} ${op.position} ${op.rule}`;
      case 'delete':
        return `${op.table}: -D ${op.chain} ${op.rule}`;
    }
  });
}
