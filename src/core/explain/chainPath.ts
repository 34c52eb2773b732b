// How packets reach a chain: paths of jumps from the built-in hook chains, and the conditions met on the way.
import type { Chain, Rule, Table } from '../iptables/types';
import { describeConditions } from './rule';

/** The kernel's hooks, in the order a forwarded or local packet meets them. */
export const HOOK_CHAINS: readonly string[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** A tooltip shows a handful of paths; kube-proxy chains can be reached in many more ways. */
export const MAX_PATHS = 20;
/** Chains in one path, hook included. The kernel itself stops at a smaller nesting depth. */
export const MAX_PATH_LENGTH = 32;
/** Unfinished paths queued per search: bounds the work on pathological (dense or cyclic) jump graphs. */
const MAX_PARTIAL_PATHS = 200_000;

const HOOK_ORDER = new Map(HOOK_CHAINS.map((name, i) => [name, i]));

function requiresLocalDestination(rule: Rule): boolean {
  for (const group of rule.matches) {
    if (group.module !== 'addrtype') continue;
    for (const option of group.options) {
      if (option.name === '--dst-type' && !option.negated && option.args[0] === 'LOCAL') return true;
    }
  }
  return false;
}

/**
 * The jumps (`-j`) and gotos (`-g`) between the chains of one table, indexed once so that
 * look-ups do not rescan the rules: a kube-proxy nat table holds 100,000 rules and more. Treats
 * the table as read-only, as the parser hands it out; build a new graph for a new snapshot.
 */
export class ChainGraph {
  private readonly chains = new Map<string, Chain>();
  /** Sort key of each chain: hooks in packet order, then user chains in table order. */
  private readonly order = new Map<string, number>();
  /** Target chain -> the rules jumping or going to it, in table order. */
  private readonly jumps = new Map<string, Rule[]>();
  /** Target chain -> the chains holding those rules, each once, in table order. */
  private readonly callers = new Map<string, Set<string>>();
  /** Chain -> fewest jumps from a hook; only chains a hook reaches are in it. */
  private distanceCache: Map<string, number> | null = null;
  private reachableWithoutLocalCache: Set<string> | null = null;
  private readonly pathCache = new Map<string, string[][]>();

  constructor(readonly table: Table) {
    table.chains.forEach((chain, i) => {
      this.chains.set(chain.name, chain);
      this.order.set(chain.name, HOOK_ORDER.get(chain.name) ?? HOOK_CHAINS.length + i);
    });
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        const target = rule.target?.name;
        // The kernel allows jumps to user chains only, never to a built-in one.
        if (target === undefined || this.chains.get(target)?.builtin !== false) continue;
        const into = this.jumps.get(target);
        if (into === undefined) {
          this.jumps.set(target, [rule]);
          this.callers.set(target, new Set([chain.name]));
        } else {
          into.push(rule);
          this.callers.get(target)?.add(chain.name);
        }
      }
    }
  }

  /** The rules that jump or go to `chain`, in table order. */
  jumpsInto(chain: string): readonly Rule[] {
    return this.jumps.get(chain) ?? [];
  }

  /**
   * Every path of jumps from a hook chain to `chain` (`['PREROUTING', 'DOCKER']`), shortest
   * first, then in hook and table order; at most MAX_PATHS paths of at most MAX_PATH_LENGTH
   * chains, none visiting a chain twice. `[[chain]]` for a hook itself, `[]` when no hook
   * reaches it. The result is shared between callers: do not change it.
   */
  pathsTo(chain: string): string[][] {
    let paths = this.pathCache.get(chain);
    if (paths === undefined) {
      paths = this.searchPaths(chain);
      this.pathCache.set(chain, paths);
    }
    return paths;
  }

  /**
   * True when `chain` is reached, and every way in passes a jump that requires a local
   * destination (`-m addrtype --dst-type LOCAL`): Docker's and Podman's port-publishing chains,
   * kube-proxy's KUBE-NODEPORTS. Holds over all paths, not only the MAX_PATHS listed.
   */
  onlyForLocalDestination(chain: string): boolean {
    return !this.isHook(chain) && this.distances().has(chain) && !this.reachableWithoutLocal().has(chain);
  }

  /**
   * The conditions of the jumps along `path`, one phrase per step that has any
   * ("to any local address", "TCP to 10.96.0.10, port 80", "with probability 33.3%"). Several
   * rules making the same step are alternatives: "either ..., or ...".
   */
  inheritedConditions(path: readonly string[]): string[] {
    const conditions: string[] = [];
    for (let i = 0; i + 1 < path.length; i++) {
      const phrases = new Set<string>();
      for (const rule of this.jumpsInto(path[i + 1])) {
        if (rule.chain === path[i]) phrases.add(describeConditions(rule));
      }
      // An unconditional jump (or a step the table does not have) adds nothing.
      if (phrases.size === 0 || phrases.has('')) continue;
      const list = [...phrases];
      conditions.push(list.length === 1 ? list[0] : `either ${list.join(', or ')}`);
    }
    return conditions;
  }

  private isHook(chain: string): boolean {
    return HOOK_ORDER.has(chain) && this.chains.get(chain)?.builtin === true;
  }

  private hooks(): string[] {
    return HOOK_CHAINS.filter((name) => this.isHook(name));
  }

  /** Breadth-first from the hooks, following the jumps whose rules pass `follow`: chain -> fewest jumps. */
  private reachFromHooks(follow: (rule: Rule) => boolean): Map<string, number> {
    const distance = new Map<string, number>();
    const queue = this.hooks();
    for (const hook of queue) distance.set(hook, 0);
    for (let at = 0; at < queue.length; at++) {
      const from = queue[at];
      const next = (distance.get(from) ?? 0) + 1;
      for (const rule of this.chains.get(from)?.rules ?? []) {
        const target = rule.target?.name;
        if (target === undefined || distance.has(target) || !this.jumps.has(target) || !follow(rule)) continue;
        distance.set(target, next);
        queue.push(target);
      }
    }
    return distance;
  }

  private distances(): Map<string, number> {
    this.distanceCache ??= this.reachFromHooks(() => true);
    return this.distanceCache;
  }

  private reachableWithoutLocal(): Set<string> {
    this.reachableWithoutLocalCache ??= new Set(this.reachFromHooks((rule) => !requiresLocalDestination(rule)).keys());
    return this.reachableWithoutLocalCache;
  }

  /**
   * Best-first backwards from `chain` over the callers. A partial path [head, ..., chain] is
   * ranked by its length plus the head's distance from a hook: never more than any path it can
   * grow into, so complete paths come out shortest first, and the search walks straight to the
   * hooks instead of fanning out over every caller (KUBE-MARK-MASQ has one per service).
   * Within one rank the last pushed is taken first, so the first caller in the table is too.
   */
  private searchPaths(chain: string): string[][] {
    if (this.isHook(chain)) return [[chain]];
    const distance = this.distances();
    const start = distance.get(chain);
    if (start === undefined) return [];
    const buckets: string[][][] = [];
    buckets[start + 1] = [[chain]];
    const found: string[][] = [];
    let budget = MAX_PARTIAL_PATHS;
    for (let rank = start + 1; rank <= MAX_PATH_LENGTH && found.length < MAX_PATHS; rank++) {
      const stack = (buckets[rank] ??= []);
      const complete: string[][] = [];
      while (stack.length > 0 && found.length + complete.length < MAX_PATHS) {
        const suffix = stack.pop() ?? [];
        if (this.isHook(suffix[0])) {
          complete.push(suffix);
          continue;
        }
        if (suffix.length >= MAX_PATH_LENGTH) continue;
        const callers = [...(this.callers.get(suffix[0]) ?? [])];
        for (let i = callers.length - 1; i >= 0 && budget > 0; i--) {
          const caller = callers[i];
          const callerDistance = distance.get(caller);
          // Skipping chains already on the path keeps the search finite on cyclic tables.
          if (callerDistance === undefined || suffix.includes(caller)) continue;
          const path = [caller, ...suffix];
          const pathRank = callerDistance + path.length;
          if (pathRank > MAX_PATH_LENGTH) continue;
          (buckets[pathRank] ??= []).push(path);
          budget--;
        }
      }
      complete.sort((a, b) => this.comparePaths(a, b));
      found.push(...complete);
    }
    return found;
  }

  private comparePaths(a: readonly string[], b: readonly string[]): number {
    for (let i = 0; i < a.length; i++) {
      const diff = (this.order.get(a[i]) ?? 0) - (this.order.get(b[i]) ?? 0);
      if (diff !== 0) return diff;
    }
    return 0;
  }
}

/** One graph per table, so the one-off helpers below stay cheap when called per rule. */
const graphs = new WeakMap<Table, ChainGraph>();

/** The table's ChainGraph, built on first use and kept as long as the table is. */
export function chainGraph(table: Table): ChainGraph {
  let graph = graphs.get(table);
  if (graph === undefined) {
    graph = new ChainGraph(table);
    graphs.set(table, graph);
  }
  return graph;
}

/** Every path from a hook chain to `chain`, shortest first: see ChainGraph.pathsTo. */
export function chainPaths(table: Table, chain: string): string[][] {
  return chainGraph(table).pathsTo(chain);
}

/** The conditions of the jumps along `path`: see ChainGraph.inheritedConditions. */
export function inheritedConditions(table: Table, path: readonly string[]): string[] {
  return chainGraph(table).inheritedConditions(path);
}
