// Starts the privileged helper (sudo -n, sudo with a password typed once, or pkexec) and talks to it: HelperAccess is
// the HostAccess whose every operation is a request to it. The password goes to sudo's stdin once and is then
// dropped; it is never in an argv, an environment, a log or an error.
import { execa, type ResultPromise } from 'execa';
import type { CleanupSelection } from '../../core/mapping/cleanup';
import type { MappingPlan, MappingSelector, MappingSpec } from '../../core/mapping/types';
import type { DiscoveredNamespace, Family, NamespaceId, Snapshot } from '../../core/model';
import type { NamespaceExtras, TraceRequest } from '../../core/trace/types';
import type { RuntimeInfo } from '../../core/runtime';
import type {
  AddOptions,
  HostAccess,
  KernelReport,
  KernelTraceOptions,
  RemoveOptions,
  SnapshotRequest,
} from '../access';
import { MappingError, type MappingErrorKind, type MappingResult } from '../portMapping/apply';
import type { CommandResult } from '../runner';
import type { ConntrackRead } from '../conntrack';
import { PROTOCOL_VERSION, type HelperMessage, type Operation, type ResponseError } from './protocol';

/** How the helper gets root. */
export type HelperElevation =
  | { how: 'sudo-n' }
  | { how: 'sudo-password'; password: string }
  | { how: 'pkexec' }
  /** Already root (tests, and a CLI run under sudo): the helper as a plain child. */
  | { how: 'none' };

export type HelperStartFailure = 'wrong-password' | 'denied' | 'timeout' | 'failed';

export class HelperStartError extends Error {
  constructor(
    readonly kind: HelperStartFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface HelperOptions {
  /** The helper itself: `[node, cli.js, 'helper', '--stdio', ...]`. */
  command: string[];
  elevation: HelperElevation;
  /** How long to wait for the helper to say it is ready (pkexec waits for a person). */
  startTimeoutMs?: number;
  onCommand?: (result: CommandResult) => void;
  /** The helper ended without being asked to (killed, crashed): `reason` says how. */
  onExit?: (reason: string) => void;
}

function elevationPrefix(elevation: HelperElevation): string[] {
  switch (elevation.how) {
    case 'sudo-n':
      return ['sudo', '-n', '--'];
    // -k: a cached sudo ticket is ignored, so sudo always reads the password line and it never reaches the helper.
    case 'sudo-password':
      return ['sudo', '-k', '-S', '-p', '', '--'];
    case 'pkexec':
      return ['pkexec', '--disable-internal-agent'];
    case 'none':
      return [];
  }
}

/** The helper's command line: `cli` (how to run the CLI bundle, e.g. `[node, cli.js]`), then the helper's own flags. */
export function helperCommand(cli: readonly string[], timeoutMs: number): string[] {
  return [...cli, 'helper', '--stdio', '--timeout', String(timeoutMs)];
}

const WRONG_PASSWORD = /Sorry, try again|incorrect password/i;
const DENIED =
  /is not in the sudoers|not allowed to (execute|run)|Not authorized|Request dismissed|a password is required/i;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One running helper, one request at a time per id, answered in any order. */
export class HelperClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly child: ResultPromise,
    readonly pid: number,
    private readonly options: HelperOptions,
  ) {}

  /** Starts the helper and waits until it says it is ready (or why it is not). */
  static start(options: HelperOptions): Promise<HelperClient> {
    const { elevation } = options;
    if (elevation.how === 'sudo-password' && /[\r\n\0]/.test(elevation.password))
      return Promise.reject(new HelperStartError('wrong-password', 'a password cannot contain a line break'));
    const [file, ...args] = [...elevationPrefix(elevation), ...options.command];
    const child = execa(file!, args, {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      // Not detached: if this process dies, the helper's stdin closes and it ends; execa's cleanup covers exit too.
      cleanup: true,
      // sudo's messages in English, so a refused password ("Sorry, try again") is recognised in any locale.
      env: { LC_ALL: 'C' },
    });
    if (elevation.how === 'sudo-password') child.stdin?.write(`${elevation.password}\n`);

    return new Promise<HelperClient>((resolve, reject) => {
      let stderr = '';
      let stdout = '';
      let settled = false;
      const timer = setTimeout(
        () => finish(new HelperStartError('timeout', 'the privileged helper did not start in time')),
        options.startTimeoutMs ?? 30_000,
      );
      const finish = (error: HelperStartError | null, client?: HelperClient) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdout?.off('data', onStdout);
        if (error) {
          child.stdin?.end();
          child.kill('SIGTERM');
          reject(error);
        } else resolve(client!);
      };
      const onStderr = (chunk: Buffer) => {
        if (settled) return;
        stderr += chunk.toString('utf8');
        if (WRONG_PASSWORD.test(stderr))
          finish(new HelperStartError('wrong-password', 'the password was not accepted'));
        else if (DENIED.test(stderr))
          finish(new HelperStartError('denied', stderr.trim().split('\n')[0]?.slice(0, 300) ?? 'not allowed'));
      };
      const onStdout = (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const newline = stdout.indexOf('\n');
        if (newline < 0) return;
        let ready: HelperMessage | null = null;
        try {
          ready = JSON.parse(stdout.slice(0, newline)) as HelperMessage;
        } catch {
          // handled below
        }
        if (!ready || !('ready' in ready) || ready.version !== PROTOCOL_VERSION) {
          finish(new HelperStartError('failed', 'the helper answered in an unknown protocol version'));
          return;
        }
        if (elevation.how !== 'none' && ready.uid !== 0) {
          finish(new HelperStartError('failed', 'the helper started but is not root'));
          return;
        }
        const client = new HelperClient(child, ready.pid, options);
        client.listen(stdout.slice(newline + 1));
        finish(null, client);
      };
      child.stderr?.on('data', onStderr);
      child.stdout?.on('data', onStdout);
      void child.then((r) => {
        if (settled) return;
        const first = stderr.trim().split('\n')[0] ?? '';
        if ((r as { code?: string }).code === 'ENOENT')
          finish(new HelperStartError('failed', `${file} is not installed or not on PATH`));
        else if (WRONG_PASSWORD.test(stderr))
          finish(new HelperStartError('wrong-password', 'the password was not accepted'));
        else finish(new HelperStartError('failed', first.slice(0, 300) || `the helper exited (code ${r.exitCode})`));
      });
    });
  }

  private listen(rest: string): void {
    let buffer = rest;
    const onLine = (line: string) => {
      if (line.trim() === '') return;
      let message: HelperMessage;
      try {
        message = JSON.parse(line) as HelperMessage;
      } catch {
        return;
      }
      if ('event' in message) {
        if (message.event === 'command') this.options.onCommand?.(message.command);
        return;
      }
      if (!('ok' in message) || message.id === null) return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(toError(message.error));
    };
    const drain = () => {
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        onLine(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    };
    drain();
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      drain();
    });
    void this.child.then((r) => {
      const wasClosed = this.closed;
      this.closed = true;
      const reason = r.signal ? `killed by ${r.signal}` : `exited with code ${r.exitCode}`;
      for (const p of this.pending.values()) p.reject(new Error(`the privileged helper stopped (${reason})`));
      this.pending.clear();
      if (!wasClosed) this.options.onExit?.(reason);
    });
  }

  get running(): boolean {
    return !this.closed;
  }

  request(op: Operation, params: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the privileged helper is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin?.write(`${JSON.stringify({ id, op, params })}\n`);
    });
  }

  /** Ends the helper: its stdin closes, it stops what it runs and exits; a helper that does not is killed. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin?.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    kill.unref();
    void this.child.then(() => clearTimeout(kill));
  }
}

function toError(error: ResponseError): Error {
  if (error.kind === 'mapping' && error.mapping)
    return new MappingError(error.mapping.kind as MappingErrorKind, error.message, error.mapping.details);
  return new Error(error.message);
}

/** The host, read and changed through the helper. */
export class HelperAccess implements HostAccess {
  readonly via = 'helper';

  constructor(readonly client: HelperClient) {}

  snapshot(request: SnapshotRequest): Promise<Snapshot> {
    return this.client.request('snapshot', {
      dockerDirs: request.dockerDirs,
      concurrency: request.concurrency,
      skipNat: request.skipNat,
      changed: request.changed === null ? null : [...request.changed],
    }) as Promise<Snapshot>;
  }

  async traceExtras(
    snapshot: Snapshot,
    concurrency: number,
    only?: ReadonlySet<NamespaceId>,
  ): Promise<Map<NamespaceId, NamespaceExtras>> {
    const namespaces = snapshot.namespaces.map((n) => n.id).filter((id) => only === undefined || only.has(id));
    const entries = (await this.client.request('traceExtras', { namespaces, concurrency })) as [
      NamespaceId,
      NamespaceExtras,
    ][];
    return new Map(entries);
  }

  /** The helper enters the namespaces of its own last snapshot, by id: no path crosses the protocol. */
  connections(_snapshot: Snapshot, only: readonly NamespaceId[], concurrency: number): Promise<ConntrackRead[]> {
    return this.client.request('connections', { namespaces: [...only], concurrency }) as Promise<ConntrackRead[]>;
  }

  runtimes(dockerHost: string | undefined): Promise<RuntimeInfo> {
    return this.client.request('runtimes', { dockerHost: dockerHost ?? null }) as Promise<RuntimeInfo>;
  }

  /** The helper reads its own snapshot (with the folders the window asked for last) and runs the kernel trace. */
  kernelTrace(request: TraceRequest, options: KernelTraceOptions): Promise<KernelReport> {
    const { source, dst, dport, protocol } = request;
    return this.client.request('kernelTrace', {
      request: { source, dst, dport, protocol },
      send: options.send,
      waitMs: options.waitMs,
    }) as Promise<KernelReport>;
  }

  addMapping(namespace: DiscoveredNamespace, spec: MappingSpec, options: AddOptions = {}): Promise<MappingResult> {
    return this.client.request('addMapping', {
      namespace: namespace.id,
      spec,
      dryRun: options.dryRun ?? false,
      expected: options.expected ?? null,
    }) as Promise<MappingResult>;
  }

  removeMapping(
    namespace: DiscoveredNamespace,
    selector: MappingSelector,
    options: RemoveOptions = {},
  ): Promise<MappingResult> {
    return this.client.request('removeMapping', {
      namespace: namespace.id,
      selector,
      dryRun: options.dryRun ?? false,
      allowForeign: options.allowForeign ?? false,
      expected: options.expected ?? null,
    }) as Promise<MappingResult>;
  }

  undoMapping(namespace: DiscoveredNamespace, done: MappingPlan): Promise<MappingResult> {
    return this.client.request('undoMapping', { namespace: namespace.id, plan: done }) as Promise<MappingResult>;
  }

  cleanUpLeftovers(
    namespace: DiscoveredNamespace,
    family: Family,
    selection: CleanupSelection,
    options: AddOptions = {},
  ): Promise<MappingResult | null> {
    return this.client.request('cleanUpLeftovers', {
      namespace: namespace.id,
      family,
      selection,
      dryRun: options.dryRun ?? false,
      expected: options.expected ?? null,
    }) as Promise<MappingResult | null>;
  }
}
