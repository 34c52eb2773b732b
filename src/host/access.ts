// What the extension and the CLI ask of the host, in one interface with two ways to do it: directly, with a runner in
// this process (as root, or read-only), or through the privileged helper (helper/client.ts), which runs the very same
// DirectAccess as root in its own process and answers over a fixed protocol (helper/protocol.ts).
import type { CleanupSelection } from '../core/mapping/cleanup';
import type { MappingPlan, MappingSelector, MappingSpec } from '../core/mapping/types';
import type { DiscoveredNamespace, Family, NamespaceId, Snapshot } from '../core/model';
import type { TraceRequest } from '../core/trace/types';
import type { NamespaceExtras } from '../core/trace/types';
import { SnapshotCollector } from './collect';
import { readConnections, type ConntrackRead } from './conntrack';
import { discoverNamespaces } from './discovery';
import {
  addMapping,
  cleanUpLeftovers,
  removeMapping,
  undoMapping,
  type MappingResult,
  type MappingTarget,
} from './portMapping/apply';
import type { Runner } from './runner';
import { collectTraceExtras } from './trace/collect';
import { witnessTrace, type Witnessed } from './kernel/witness';
import { readRuntimes } from './runtimes';
import type { RuntimeInfo } from '../core/runtime';

export interface SnapshotRequest {
  dockerDirs: string[];
  concurrency: number;
  /** Read NAT rules too (false when there is no root: links and routes only, and one clear error each). */
  skipNat: boolean;
  /** Null reads every namespace; a list reads new namespaces and those again, reusing the last output of the rest. */
  changed: readonly NamespaceId[] | null;
  /**
   * With `changed: null`: namespaces whose rules are followed by events (host/ruleEvents.ts): their links are read
   * again, their last rule dumps kept. The helper does not follow rules (its reads are whole).
   */
  keepRules?: readonly NamespaceId[];
}

export interface AddOptions {
  dryRun?: boolean;
  expected?: MappingPlan;
}
export interface RemoveOptions extends AddOptions {
  allowForeign?: boolean;
}

export interface KernelTraceOptions {
  dockerDirs: string[];
  send: boolean;
  waitMs: number;
  /** Stops the wait early (direct access only); everything is still taken back. */
  signal?: AbortSignal;
}

/** `trace --kernel`'s answer without the raw events. */
export type KernelReport = Omit<Witnessed, 'events'>;

export interface HostAccess {
  /** `direct`: commands run in this process; `helper`: through the privileged helper. */
  readonly via: 'direct' | 'helper';
  snapshot(request: SnapshotRequest): Promise<Snapshot>;
  /** Listeners, sysctls and policy rules of the namespaces a trace may pass (all of `snapshot`'s unless `only`). */
  traceExtras(
    snapshot: Snapshot,
    concurrency: number,
    only?: ReadonlySet<NamespaceId>,
  ): Promise<Map<NamespaceId, NamespaceExtras>>;
  /** The connection-tracking tables of these namespaces of the snapshot (`conntrack -L` in each). */
  connections(snapshot: Snapshot, only: readonly NamespaceId[], concurrency: number): Promise<ConntrackRead[]>;
  /** What the container runtimes say (names, networks), asked with this access's rights. */
  runtimes(dockerHost: string | undefined): Promise<RuntimeInfo>;
  /** The kernel's own trace of a connection beside the model's, on a snapshot read now (`trace --kernel`). */
  kernelTrace(request: TraceRequest, options: KernelTraceOptions): Promise<KernelReport>;
  addMapping(namespace: DiscoveredNamespace, spec: MappingSpec, options?: AddOptions): Promise<MappingResult>;
  removeMapping(
    namespace: DiscoveredNamespace,
    selector: MappingSelector,
    options?: RemoveOptions,
  ): Promise<MappingResult>;
  undoMapping(namespace: DiscoveredNamespace, done: MappingPlan): Promise<MappingResult>;
  cleanUpLeftovers(
    namespace: DiscoveredNamespace,
    family: Family,
    selection: CleanupSelection,
    options?: AddOptions,
  ): Promise<MappingResult | null>;
}

/** The host read and changed by this process's own runner. */
export class DirectAccess implements HostAccess {
  readonly via = 'direct';
  private collector: { key: string; collector: SnapshotCollector } | null = null;

  constructor(
    readonly runner: Runner,
    private readonly lock?: MappingTarget['lock'],
  ) {}

  async snapshot(request: SnapshotRequest): Promise<Snapshot> {
    // The collector keeps each namespace's last output for incremental reads; other options start it afresh.
    const key = `${request.concurrency}/${request.skipNat}`;
    if (this.collector?.key !== key)
      this.collector = {
        key,
        collector: new SnapshotCollector(this.runner, { concurrency: request.concurrency, skipNat: request.skipNat }),
      };
    const discovery = await discoverNamespaces({ dockerDirs: request.dockerDirs });
    const { collector } = this.collector;
    return request.changed === null
      ? collector.full(discovery, new Set(request.keepRules ?? []))
      : collector.incremental(discovery, new Set(request.changed));
  }

  traceExtras(
    snapshot: Snapshot,
    concurrency: number,
    only?: ReadonlySet<NamespaceId>,
  ): Promise<Map<NamespaceId, NamespaceExtras>> {
    return collectTraceExtras(this.runner, snapshot, concurrency, only);
  }

  connections(snapshot: Snapshot, only: readonly NamespaceId[], concurrency: number): Promise<ConntrackRead[]> {
    const wanted = new Set(only);
    return readConnections(
      this.runner,
      snapshot.namespaces.filter((n) => wanted.has(n.id)),
      concurrency,
    );
  }

  runtimes(dockerHost: string | undefined): Promise<RuntimeInfo> {
    return readRuntimes({ dockerHost });
  }

  async kernelTrace(request: TraceRequest, options: KernelTraceOptions): Promise<KernelReport> {
    const snapshot = await this.snapshot({
      dockerDirs: options.dockerDirs,
      concurrency: 8,
      skipNat: false,
      changed: null,
    });
    const extras = await this.traceExtras(snapshot, 8);
    const { events: _events, ...report } = await witnessTrace(this.runner, snapshot, extras, request, options);
    return report;
  }

  private target(namespace: DiscoveredNamespace): MappingTarget {
    return { runner: this.runner, namespace, lock: this.lock };
  }

  addMapping(namespace: DiscoveredNamespace, spec: MappingSpec, options: AddOptions = {}): Promise<MappingResult> {
    return addMapping(this.target(namespace), spec, options);
  }

  removeMapping(
    namespace: DiscoveredNamespace,
    selector: MappingSelector,
    options: RemoveOptions = {},
  ): Promise<MappingResult> {
    return removeMapping(this.target(namespace), selector, options);
  }

  undoMapping(namespace: DiscoveredNamespace, done: MappingPlan): Promise<MappingResult> {
    return undoMapping(this.target(namespace), done);
  }

  cleanUpLeftovers(
    namespace: DiscoveredNamespace,
    family: Family,
    selection: CleanupSelection,
    options: AddOptions = {},
  ): Promise<MappingResult | null> {
    return cleanUpLeftovers(this.target(namespace), family, selection, options);
  }
}
