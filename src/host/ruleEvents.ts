// Follows rule changes as they happen: one `nft monitor` per followed namespace (core/rules/follow.ts chooses which).
// nf_tables reports every change to its ruleset on netlink, whoever made it (iptables-nft, nft, Docker, kube-proxy),
// and `nft monitor` prints one line per change. A line names nothing the caller needs: the namespace it came from is
// what matters, and that namespace's rules are read again (debounced by the caller). Legacy xtables raises no such
// event; its namespaces stay with the poll.
import type { NamespaceId } from '../core/model';
import { enterArgv } from './collect';
import { watchLines, type Watch } from './runner';

export interface FollowedNamespace {
  id: NamespaceId;
  kind: 'host' | 'named' | 'docker' | 'process';
  paths: string[];
}

/**
 * How long the extension waits after a rule event before reading: short, so a rule added by hand shows within a
 * second; a burst (Docker writing a mapping's rules, kube-proxy's sync) folds into one read, and the settle read
 * (extension/autoRefresh.ts) catches its tail.
 */
export const RULE_EVENT_WAIT_MS = 150;

/** The tracing table `trace --kernel` makes and removes (host/kernel/witness.ts): its changes are not the user's. */
const OWN_TABLE = /\bnetns-explorer-trace\b/;

export class RuleEvents {
  private readonly watches = new Map<NamespaceId, Watch>();

  constructor(
    private readonly onChange: (namespace: NamespaceId) => void,
    private readonly log: (message: string) => void,
  ) {}

  /** The namespaces followed now. */
  get followed(): ReadonlySet<NamespaceId> {
    return new Set(this.watches.keys());
  }

  /** Follows exactly `namespaces`: starts a monitor for each new one, stops those no longer listed. */
  follow(namespaces: readonly FollowedNamespace[]): void {
    const wanted = new Map(namespaces.map((n) => [n.id, n]));
    for (const [id, w] of this.watches)
      if (!wanted.has(id)) {
        w.stop();
        this.watches.delete(id);
      }
    for (const [id, ns] of wanted) {
      if (this.watches.has(id) || (ns.kind !== 'host' && ns.paths.length === 0)) continue;
      const watch = watchLines(
        [...enterArgv(ns), 'nft', 'monitor'],
        (line) => {
          // `# new generation N by process P` follows every change: the change's own line is what counts.
          if (line.trim() !== '' && !line.startsWith('#') && !OWN_TABLE.test(line)) this.onChange(id);
        },
        (failure) => {
          // Gone (the namespace went away, nft missing): the poll reads it; the next follow() may start it again.
          if (this.watches.get(id) === watch) this.watches.delete(id);
          this.log(`nft monitor in ${id} stopped${failure ? `: ${failure}` : ''}; its rules are read by the poll`);
        },
      );
      this.watches.set(id, watch);
    }
  }

  stop(): void {
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }
}
