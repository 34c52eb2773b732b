// The privileged helper (`netns-explorer helper --stdio`): reads requests from stdin, runs them with a DirectAccess of
// its own, and writes answers to stdout. It ends when stdin closes (its client is gone), taking every command it
// started with it, so it is never orphaned.
import type { Readable, Writable } from 'node:stream';
import type { MappingPlan } from '../../core/mapping/types';
import type { DiscoveredNamespace, Snapshot } from '../../core/model';
import { DirectAccess } from '../access';
import { discoverNamespaces } from '../discovery';
import { readRuntimes } from '../runtimes';
import { MappingError } from '../portMapping/apply';
import { ExecRunner, stopAllCommands, type CommandResult } from '../runner';
import { MAX_REQUEST_BYTES, PROTOCOL_VERSION, parseRequest, type HelperMessage, type Request } from './protocol';

/** What a command event carries: enough for the client's log, not the output itself. */
function commandEvent(result: CommandResult): CommandResult {
  return { ...result, stdout: '', stderr: result.stderr.slice(0, 4096) };
}

/** Plans this helper applied, by their exact JSON: the only ones it will undo. A window's worth is plenty. */
const MAX_APPLIED = 256;

export class HelperSession {
  private dockerDirs: string[] = [];
  private last: Snapshot | null = null;
  private readonly applied: string[] = [];

  constructor(private readonly access: DirectAccess) {}

  private async namespace(id: string): Promise<DiscoveredNamespace> {
    const found = (await discoverNamespaces({ dockerDirs: this.dockerDirs })).namespaces.find((n) => n.id === id);
    if (!found) throw new MappingError('not-found', `namespace ${id} does not exist (any more)`);
    return found;
  }

  private remember(plan: MappingPlan): void {
    this.applied.push(JSON.stringify(plan));
    if (this.applied.length > MAX_APPLIED) this.applied.shift();
  }

  /** The snapshot this helper read last (its namespaces' paths are what it enters), else one read now. */
  private async lastSnapshot(): Promise<Snapshot> {
    this.last ??= await this.access.snapshot({
      dockerDirs: this.dockerDirs,
      concurrency: 8,
      skipNat: false,
      changed: null,
    });
    return this.last;
  }

  /** Runs one checked request; throws what the operation threw. */
  async handle(request: Request): Promise<unknown> {
    switch (request.op) {
      case 'snapshot': {
        this.dockerDirs = request.params.dockerDirs;
        this.last = await this.access.snapshot(request.params);
        return this.last;
      }
      case 'connections':
        return this.access.connections(
          await this.lastSnapshot(),
          request.params.namespaces,
          request.params.concurrency,
        );
      case 'traceExtras': {
        const snapshot = await this.lastSnapshot();
        const extras = await this.access.traceExtras(
          snapshot,
          request.params.concurrency,
          new Set(request.params.namespaces),
        );
        return [...extras];
      }
      case 'addMapping': {
        const { namespace, spec, dryRun, expected } = request.params;
        const result = await this.access.addMapping(await this.namespace(namespace), spec, {
          dryRun,
          expected: expected ?? undefined,
        });
        if (result.applied) this.remember(result.plan);
        return result;
      }
      case 'removeMapping': {
        const { namespace, selector, dryRun, allowForeign, expected } = request.params;
        const result = await this.access.removeMapping(await this.namespace(namespace), selector, {
          dryRun,
          allowForeign,
          expected: expected ?? undefined,
        });
        if (result.applied) this.remember(result.plan);
        return result;
      }
      case 'undoMapping': {
        // Undo replays the inverse of a plan's rules, so it takes only a plan this helper applied itself.
        const key = JSON.stringify(request.params.plan);
        if (!this.applied.includes(key))
          throw new MappingError(
            'not-found',
            'that change was not made through this helper, so it cannot be undone here',
          );
        const result = await this.access.undoMapping(
          await this.namespace(request.params.namespace),
          request.params.plan,
        );
        this.applied.splice(this.applied.indexOf(key), 1);
        return result;
      }
      case 'kernelTrace':
        return this.access.kernelTrace(request.params.request, {
          dockerDirs: this.dockerDirs,
          send: request.params.send,
          waitMs: request.params.waitMs,
        });
      case 'runtimes':
        // Asked as root: a user outside the docker group still gets names after Grant Access.
        return readRuntimes({ dockerHost: request.params.dockerHost ?? undefined });
      case 'cleanUpLeftovers': {
        const { namespace, family, selection, dryRun, expected } = request.params;
        const result = await this.access.cleanUpLeftovers(await this.namespace(namespace), family, selection, {
          dryRun,
          expected: expected ?? undefined,
        });
        if (result?.applied) this.remember(result.plan);
        return result;
      }
    }
  }
}

function errorOf(e: unknown): HelperMessage & { ok: false } {
  if (e instanceof MappingError) {
    const { failure: _failure, ...details } = e.details as Record<string, unknown>;
    return { id: null, ok: false, error: { kind: 'mapping', message: e.message, mapping: { kind: e.kind, details } } };
  }
  return { id: null, ok: false, error: { kind: 'failed', message: (e as Error).message ?? String(e) } };
}

/**
 * Serves one client until `input` ends. Requests run concurrently and are answered by id; a line longer than
 * MAX_REQUEST_BYTES ends the session.
 */
export function serveHelper(input: Readable, output: Writable, timeoutMs?: number): Promise<void> {
  const send = (message: HelperMessage) => output.write(`${JSON.stringify(message)}\n`);
  const runner = new ExecRunner({ timeoutMs, onCommand: (r) => send({ event: 'command', command: commandEvent(r) }) });
  const session = new HelperSession(new DirectAccess(runner));
  send({ ready: true, version: PROTOCOL_VERSION, uid: process.getuid?.() ?? -1, pid: process.pid });

  // Rule changes in flight when the client goes: each is finished (or rolled back) rather than cut off half way.
  const changes = new Set<Promise<unknown>>();
  return new Promise((resolve) => {
    let buffer = '';
    let ending = false;
    const done = () => {
      if (ending) return;
      ending = true;
      void Promise.allSettled([...changes]).then(() => {
        stopAllCommands();
        resolve();
      });
    };
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      if (ending) return;
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim() === '') continue;
        const parsed = parseRequest(line);
        if (!parsed.ok) {
          send({ id: parsed.id, ok: false, error: parsed.error });
          continue;
        }
        const { id, op } = parsed.request;
        const work = session.handle(parsed.request);
        if (op !== 'snapshot' && op !== 'traceExtras' && op !== 'runtimes' && op !== 'connections') {
          changes.add(work);
          void work.finally(() => changes.delete(work)).catch(() => undefined);
        }
        work.then(
          (result) => send({ id, ok: true, result: result ?? null }),
          (e: unknown) => send({ ...errorOf(e), id }),
        );
      }
      if (buffer.length > MAX_REQUEST_BYTES) {
        send({ id: null, ok: false, error: { kind: 'invalid', message: 'request too long; closing' } });
        input.destroy();
        done();
      }
    });
    input.on('end', done);
    input.on('close', done);
  });
}
