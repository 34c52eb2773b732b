// Creates, removes and undoes port mappings in one namespace: lock, read, plan, iptables-restore --noflush, read back,
// verify, roll back.
import {
  contentsOf,
  diffContents,
  restorePayload,
  revertOps,
  simulate,
  touchedChains,
} from '../../core/mapping/chainEdits';
import { planCleanup, type CleanupSelection } from '../../core/mapping/cleanup';
import {
  findForeignMapping,
  findOwnMapping,
  planAdd,
  planRemoveForeign,
  planRemoveOwn,
  type ForeignMapping,
} from '../../core/mapping/plan';
import type { MappingConflict, MappingPlan, MappingSelector, MappingSpec, RuleOp } from '../../core/mapping/types';
import { parseIptablesSave } from '../../core/iptables/parse';
import type { IptablesDump } from '../../core/iptables/types';
import { parseSs, type Listener } from '../../core/listeners';
import type { DiscoveredNamespace, Family, PortMapping } from '../../core/model';
import { deriveMappings } from '../../core/portMappings';
import { enterArgv, listenersArgv } from '../collect';
import { formatArgv, type CommandResult, type Runner } from '../runner';
import { withLock, type LockOptions } from './lock';
import { localAddressesOf } from '../../core/ip/parse';
import {
  findOwnNftMapping,
  natBackend,
  nativeTables,
  planNftAdd,
  planNftCleanup,
  planNftRemove,
  verifyNft,
  verifyNftDeletions,
} from '../../core/mapping/nft';
import { nftMappings } from '../../core/nft/mappings';
import { parseNftJson } from '../../core/nft/parse';
import { readNative } from '../nftRead';
import type { NftRuleset, NftTable } from '../../core/nft/types';

export type MappingErrorKind = 'conflict' | 'not-found' | 'foreign' | 'command' | 'verify' | 'stale';

/** Why a mapping could not be made or removed; `rolledBack` says whether the rules are as they were. */
export class MappingError extends Error {
  constructor(
    readonly kind: MappingErrorKind,
    message: string,
    readonly details: {
      conflicts?: MappingConflict[];
      foreign?: ForeignMapping;
      plan?: MappingPlan;
      rolledBack?: boolean;
      failure?: CommandResult;
    } = {},
  ) {
    super(message);
  }
}

export interface MappingTarget {
  runner: Runner;
  namespace: DiscoveredNamespace;
  lock?: LockOptions;
  /** Test seam: runs after the plan is made and before it is applied, still under the lock. */
  beforeApply?: (plan: MappingPlan) => Promise<void>;
}

export interface MappingResult {
  plan: MappingPlan;
  /** The exact iptables-restore input. */
  payload: string;
  /** The argv it ran (or would run, for a dry run). */
  argv: string[];
  applied: boolean;
  durationMs: number;
}

function tool(family: Family, what: 'save' | 'restore'): string {
  return `${family === 'ipv4' ? 'iptables' : 'ip6tables'}-${what}`;
}

export function restoreArgv(namespace: DiscoveredNamespace, family: Family): string[] {
  return [...enterArgv(namespace), tool(family, 'restore'), '--noflush', '-w'];
}

/** The argv that applies an nft plan: its script on stdin, one transaction. */
export function nftApplyArgv(namespace: DiscoveredNamespace): string[] {
  return [...enterArgv(namespace), 'nft', '-f', '-'];
}

async function must(runner: Runner, argv: string[], input?: string): Promise<CommandResult> {
  const result = await runner.run(argv, input === undefined ? {} : { input });
  if (result.failure)
    throw new MappingError('command', `${formatArgv(argv)} failed: ${result.stderr.trim() || result.failure.message}`, {
      failure: result,
    });
  return result;
}

/**
 * The namespace's native nft tables (those iptables-nft did not write); null when nft is not installed (then no native
 * rules can be read or written).
 */
export async function readNft(target: MappingTarget): Promise<NftRuleset | null> {
  const read = await readNative(target.runner, enterArgv(target.namespace));
  if (read.kind === 'missing') return null;
  if (read.kind === 'failed')
    throw new MappingError(
      'command',
      `${formatArgv(read.result.argv)} failed: ${read.result.stderr.trim() || read.result.failure?.message}`,
      { failure: read.result },
    );
  const { ruleset, diagnostics } = parseNftJson(read.kind === 'ok' ? read.text : 'not JSON');
  const first = diagnostics[0];
  if (first)
    throw new MappingError(
      'command',
      `${read.command} printed JSON Netns Explorer cannot read (${first.message}); no rule was changed`,
    );
  return ruleset;
}

/** Both dumps of a family: iptables', and nft's native tables (those iptables-nft did not write). */
async function readBoth(
  target: MappingTarget,
  family: Family,
): Promise<{ dump: IptablesDump; nft: NftRuleset | null; native: NftTable[] }> {
  const [{ dump, text }, nft] = await Promise.all([readRules(target, family), readNft(target)]);
  const native = nft ? nativeTables(nft, dump, family, /\(nf_tables\)/.test(text)) : [];
  return { dump, nft, native };
}

/** Every port mapping the namespace's rules publish: iptables' of both families, then nft's native tables'. */
export async function readMappings(target: MappingTarget): Promise<PortMapping[]> {
  // nft's native tables once (they hold both families), iptables' dump per family.
  const [v4, v6, nft] = await Promise.all([readRules(target, 'ipv4'), readRules(target, 'ipv6'), readNft(target)]);
  const out: PortMapping[] = [];
  for (const [family, { dump }] of [
    ['ipv4', v4],
    ['ipv6', v6],
  ] as const) {
    const nat = dump.tables.find((t) => t.name === 'nat');
    if (nat) out.push(...deriveMappings(nat, target.namespace.id, family));
  }
  return [...out, ...nftMappings(nft?.tables ?? [], target.namespace.id).map((m) => ({ ...m, source: 'nft' }))];
}

export async function readRules(target: MappingTarget, family: Family): Promise<{ dump: IptablesDump; text: string }> {
  const result = await must(target.runner, [...enterArgv(target.namespace), tool(family, 'save')]);
  const dump = parseIptablesSave(result.stdout);
  // A line the parser skipped is a rule the plan and the read-back cannot see: a chain of ours
  // would look empty and be deleted with someone's rule in it. Nothing is written then.
  const first = dump.diagnostics[0];
  if (first)
    throw new MappingError(
      'command',
      `${formatArgv([...enterArgv(target.namespace), tool(family, 'save')])} printed a line Netns Explorer cannot read (line ${first.line}: ${first.message}); no rule was changed`,
    );
  return { dump, text: result.stdout };
}

/**
 * The namespace's own addresses, to tell a service address (ClusterIP) from a host port; null when they could not be
 * read, and then every DNAT binding counts as a possible conflict.
 */
export async function readLocalAddresses(target: MappingTarget): Promise<string[] | null> {
  const r = await target.runner.run([...enterArgv(target.namespace), 'ip', '-j', 'addr', 'show']);
  return r.failure ? null : localAddressesOf(r.stdout);
}

/**
 * Sockets that could hold the port. Lines ss printed that cannot be read are passed over: this feeds a safety check,
 * not a view.
 */
export async function readListeners(target: MappingTarget, protocol: MappingSpec['protocol']): Promise<Listener[]> {
  const result = await must(target.runner, listenersArgv(target.namespace, { sctp: protocol === 'sctp' }));
  return parseSs(result.stdout).listeners;
}

/**
 * Runs `ops` (planned from `dump`) as one iptables-restore --noflush, reads the rules back and compares
 * the touched chains with what the ops should have made. On any difference or failure it reverts what
 * did land (iptables-restore commits table by table, so a failing filter block leaves the nat block in),
 * checks the touched chains are as before, and throws saying both.
 */
async function applyOps(
  target: MappingTarget,
  family: Family,
  dump: IptablesDump,
  ops: RuleOp[],
): Promise<{ payload: string; argv: string[] }> {
  const before = touchedChains(dump, ops);
  const expected = simulate(before, ops);
  const payload = restorePayload(ops);
  const argv = restoreArgv(target.namespace, family);
  const run = await target.runner.run(argv, { input: payload });
  const after = contentsOf((await readRules(target, family)).dump, expected);
  const problems = run.failure ? [run.stderr.trim() || run.failure.message] : diffContents(expected, after);
  if (problems.length === 0) return { payload, argv };

  // A failed restore names its line: tables committed before that line are in, the failing one is not.
  const landed = run.failure ? committedOps(ops, run.stderr) : ops;
  const undo = revertOps(landed, before, after);
  const undoRun = undo.length ? await target.runner.run(argv, { input: restorePayload(undo) }) : null;
  const final = contentsOf((await readRules(target, family)).dump, before);
  const missed = diffContents(simulate(after, undo), final);
  const rolledBack = missed.length === 0 && undoRun?.failure == null;
  const how = rolledBack
    ? 'the rules were restored to exactly what they were'
    : `ROLLBACK INCOMPLETE (${undoRun?.stderr.trim() || missed.join('; ')}): check ${formatArgv([...enterArgv(target.namespace), tool(family, 'save')])}`;
  throw new MappingError(run.failure ? 'command' : 'verify', `applying failed: ${problems.join('; ')}; ${how}`, {
    rolledBack,
    failure: run,
  });
}

/**
 * Runs an nft plan (one transaction: it lands whole or not at all), reads the ruleset back and checks our table. On a
 * difference it takes back what landed (our rules of that mapping, by handle) and throws saying whether that worked.
 */
async function applyNft(target: MappingTarget, plan: MappingPlan): Promise<void> {
  const argv = nftApplyArgv(target.namespace);
  const run = await target.runner.run(argv, { input: plan.nft ?? '' });
  if (run.failure)
    throw new MappingError(
      'command',
      `${formatArgv(argv)} failed: ${run.stderr.trim() || run.failure.message}; nothing was changed (one nft transaction)`,
      {
        rolledBack: true,
        failure: run,
      },
    );
  const after = await readNft(target);
  const problems = after
    ? plan.spec
      ? verifyNft(plan, after)
      : verifyNftDeletions(plan, after)
    : ['nft can no longer be run'];
  if (problems.length === 0) return;
  // Only an added mapping can be taken back by handle; a removal that half happened is named as such.
  const undo = after && plan.kind === 'add' && plan.spec ? planNftRemove(after, plan.spec) : null;
  const undoRun = undo?.nft ? await target.runner.run(argv, { input: undo.nft }) : null;
  const final = undo ? await readNft(target) : null;
  const rolledBack =
    undoRun?.failure === null && final !== null && verifyNft({ ...plan, kind: 'remove' }, final).length === 0;
  const how = rolledBack
    ? 'the rules were restored to exactly what they were'
    : `ROLLBACK INCOMPLETE: check ${formatArgv([...enterArgv(target.namespace), 'nft', 'list', 'ruleset'])}`;
  throw new MappingError('verify', `applying failed: ${problems.join('; ')}; ${how}`, { rolledBack, failure: run });
}

/**
 * The ops of the tables iptables-restore committed before the line it reports failing (all of them when it names none).
 */
function committedOps(ops: RuleOp[], stderr: string): RuleOp[] {
  const failedLine = Number(/line (\d+) failed/.exec(stderr)?.[1] ?? NaN);
  if (!Number.isFinite(failedLine)) return ops;
  const lines = restorePayload(ops).split('\n');
  const committed = new Set<string>();
  let table = '';
  lines.forEach((line, i) => {
    if (line.startsWith('*')) table = line.slice(1);
    if (line === 'COMMIT' && i + 1 < failedLine) committed.add(table);
  });
  return ops.filter((op) => committed.has(op.table));
}

async function locked<T>(target: MappingTarget, work: () => Promise<T>): Promise<T> {
  return withLock(`netns-${target.namespace.id}`, work, target.lock);
}

/**
 * What the user approved must be what is applied: under the lock the plan is made again from the
 * rules as they are now, and if another tool changed them since the preview the apply is refused.
 */
function refuseStale(plan: MappingPlan | null, expected: MappingPlan | undefined): void {
  if (expected === undefined) return;
  const same =
    plan !== null &&
    restorePayload(plan.ops) === restorePayload(expected.ops) &&
    plan.nft === expected.nft &&
    JSON.stringify(plan.before) === JSON.stringify(expected.before);
  if (!same) {
    throw new MappingError(
      'stale',
      'the rules changed after the preview (another tool edited them): nothing was applied; review the new rules and try again',
      { plan: plan ?? undefined },
    );
  }
}

async function execute(
  target: MappingTarget,
  plan: MappingPlan,
  dump: IptablesDump,
  dryRun: boolean,
  expected?: MappingPlan,
): Promise<MappingResult> {
  const started = Date.now();
  if (!dryRun) refuseStale(plan, expected);
  if (plan.nft !== undefined) {
    const argv = nftApplyArgv(target.namespace);
    if (dryRun) return { plan, payload: plan.nft, argv, applied: false, durationMs: 0 };
    await target.beforeApply?.(plan);
    await applyNft(target, plan);
    return { plan, payload: plan.nft, argv, applied: true, durationMs: Date.now() - started };
  }
  const argv = restoreArgv(target.namespace, plan.family);
  if (dryRun) return { plan, payload: restorePayload(plan.ops), argv, applied: false, durationMs: 0 };
  await target.beforeApply?.(plan);
  const done = await applyOps(target, plan.family, dump, plan.ops);
  return { plan, ...done, applied: true, durationMs: Date.now() - started };
}

/** Publishes `spec` in the target namespace; refuses conflicts with any DNAT or listener there. */
export async function addMapping(
  target: MappingTarget,
  spec: MappingSpec,
  options: { dryRun?: boolean; expected?: MappingPlan } = {},
): Promise<MappingResult> {
  const work = async () => {
    const { dump, nft, native } = await readBoth(target, spec.family);
    const [listeners, local] = await Promise.all([readListeners(target, spec.protocol), readLocalAddresses(target)]);
    // Where the namespace's NAT is native nftables, our rules go in a table of ours: never iptables rules there.
    if (nft && natBackend(dump, native, spec.family) === 'nft') {
      const planned = planNftAdd(nft, native, spec, listeners, local);
      if (!planned.ok) throw new MappingError('conflict', planned.error, { conflicts: planned.conflicts });
      return execute(target, planned.plan, dump, options.dryRun ?? false, options.expected);
    }
    const planned = planAdd(dump, spec, listeners, local);
    if (!planned.ok) throw new MappingError('conflict', planned.error, { conflicts: planned.conflicts });
    return execute(target, planned.plan, dump, options.dryRun ?? false, options.expected);
  };
  return options.dryRun ? work() : locked(target, work);
}

/**
 * Removes the mapping `selector` names. Ours go with their hooks and chains when they were the last;
 * one written by Docker or anyone else is refused (kind `foreign`, with its owner and rules) unless
 * `allowForeign`, which the caller sets only after the user saw that warning.
 */
export async function removeMapping(
  target: MappingTarget,
  selector: MappingSelector,
  options: { dryRun?: boolean; allowForeign?: boolean; expected?: MappingPlan } = {},
): Promise<MappingResult> {
  const work = async () => {
    const { dump, nft, native } = await readBoth(target, selector.family);
    const own = findOwnMapping(dump, selector);
    const ownPlan = own ? planRemoveOwn(dump, own) : null;
    if (ownPlan) return execute(target, ownPlan, dump, options.dryRun ?? false, options.expected);
    const ownNft = nft ? findOwnNftMapping(nft, selector) : null;
    const nftPlan = nft && ownNft ? planNftRemove(nft, ownNft) : null;
    if (nftPlan) return execute(target, nftPlan, dump, options.dryRun ?? false, options.expected);
    const foreign = findForeignMapping(dump, selector);
    const nativeOne = nftMappings(native, target.namespace.id).find(
      (m) =>
        m.family === selector.family &&
        m.protocol === selector.protocol &&
        m.hostPort === selector.hostPort &&
        (selector.hostIp == null || m.hostIp === selector.hostIp),
    );
    if (!foreign && nativeOne)
      throw new MappingError(
        'not-found',
        `${selector.protocol} port ${selector.hostPort} is published by ${nativeOne.owner} in nft table ${nativeOne.ruleRef.table} (${nativeOne.rule}); Netns Explorer deletes only its own nft rules`,
      );
    if (!foreign)
      throw new MappingError(
        'not-found',
        `no mapping of ${selector.protocol} port ${selector.hostPort}${selector.hostIp ? ` on ${selector.hostIp}` : ''} in this namespace`,
      );
    const plan = planRemoveForeign(dump, selector.family, foreign);
    if (!options.allowForeign && !options.dryRun) {
      throw new MappingError(
        'foreign',
        `${foreign.title} was made by ${foreign.owner}, who may recreate it; deleting it removes:\n${foreign.rules.map((r) => r.text).join('\n')}`,
        { foreign, plan },
      );
    }
    return execute(target, plan, dump, options.dryRun ?? false, options.expected);
  };
  return options.dryRun ? work() : locked(target, work);
}

/** Undoes an applied plan: takes back exactly its edits, leaving what others changed since. */
export async function undoMapping(target: MappingTarget, done: MappingPlan): Promise<MappingResult> {
  return locked(target, async () => {
    const { dump, nft, native } = await readBoth(target, done.family);
    if (done.nft !== undefined) {
      // The inverse of an nft plan, made from the rules as they are now: remove what it added, add what it removed.
      const spec = done.spec;
      if (!nft || !spec) throw new MappingError('not-found', `${done.title}: nothing to undo`);
      const inverse = done.kind === 'add' ? planNftRemove(nft, spec) : planNftAdd(nft, native, spec, [], null);
      if (inverse === null) throw new MappingError('not-found', `${done.title} is no longer in the rules`);
      if ('ok' in inverse && !inverse.ok)
        throw new MappingError('conflict', inverse.error, { conflicts: inverse.conflicts });
      return execute(target, 'ok' in inverse ? inverse.plan : inverse, dump, false);
    }
    const ops = revertOps(done.ops, done.before, contentsOf(dump, done.before));
    const plan: MappingPlan = {
      ...done,
      kind: done.kind === 'add' ? 'remove' : 'add',
      ops,
      before: touchedChains(dump, ops),
    };
    return execute(target, plan, dump, false);
  });
}

/**
 * Removes what an earlier run of Netns Explorer left in this namespace's rules of one family (see
 * core/mapping/cleanup.ts): the orphans, and the selected mappings. Null when there is nothing to remove;
 * with `expected` (the previewed plan), nothing to remove any more is stale like any other change.
 */
export async function cleanUpLeftovers(
  target: MappingTarget,
  family: Family,
  selection: CleanupSelection,
  options: { dryRun?: boolean; expected?: MappingPlan } = {},
): Promise<MappingResult | null> {
  const work = async () => {
    const { dump, nft } = await readBoth(target, family);
    // Our iptables leftovers first; a namespace whose NAT is nftables has ours in our nft table instead.
    const plan = planCleanup(dump, family, selection) ?? (nft ? planNftCleanup(nft, family, selection) : null);
    if (!options.dryRun) refuseStale(plan, options.expected);
    return plan && execute(target, plan, dump, options.dryRun ?? false, options.expected);
  };
  return options.dryRun ? work() : locked(target, work);
}
