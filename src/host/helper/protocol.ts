// The privileged helper's protocol: JSON lines on stdin/stdout, a fixed set of operations, and a strict check of every
// parameter before anything runs. No operation takes an argv, a shell string or a file to run: the helper builds
// every command itself from validated values (see docs/HELPER.md for the threat model).
import type { TraceRequest } from '../../core/trace/types';
import type { CleanupSelection } from '../../core/mapping/cleanup';
import type { MappingPlan, MappingSelector, MappingSpec } from '../../core/mapping/types';
import { checkAddress } from '../../core/mapping/validate';
import type { CommandResult } from '../runner';

/** Bumped when an operation or a field changes; the client refuses a helper of another version. */
export const PROTOCOL_VERSION = 2;

/** The longest request line read; anything longer ends the helper (no request needs a tenth of it). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export const OPERATIONS = [
  'snapshot',
  'traceExtras',
  'addMapping',
  'removeMapping',
  'undoMapping',
  'cleanUpLeftovers',
  'runtimes',
  'kernelTrace',
  'connections',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface SnapshotParams {
  dockerDirs: string[];
  concurrency: number;
  skipNat: boolean;
  changed: string[] | null;
}
export interface TraceExtrasParams {
  namespaces: string[];
  concurrency: number;
}
export interface ConnectionsParams {
  namespaces: string[];
  concurrency: number;
}
export interface AddMappingParams {
  namespace: string;
  spec: MappingSpec;
  dryRun: boolean;
  expected: MappingPlan | null;
}
export interface RemoveMappingParams {
  namespace: string;
  selector: MappingSelector;
  dryRun: boolean;
  allowForeign: boolean;
  expected: MappingPlan | null;
}
export interface UndoMappingParams {
  namespace: string;
  plan: MappingPlan;
}
export interface CleanUpParams {
  namespace: string;
  family: 'ipv4' | 'ipv6';
  selection: CleanupSelection;
  dryRun: boolean;
  expected: MappingPlan | null;
}

export interface RuntimesParams {
  /** Docker's socket as `unix:///…` under /run or /var/run; null: the helper's default (DOCKER_HOST is not passed). */
  dockerHost: string | null;
}

export interface KernelTraceParams {
  request: TraceRequest;
  send: boolean;
  waitMs: number;
}

export type Request =
  | { id: number; op: 'snapshot'; params: SnapshotParams }
  | { id: number; op: 'traceExtras'; params: TraceExtrasParams }
  | { id: number; op: 'addMapping'; params: AddMappingParams }
  | { id: number; op: 'removeMapping'; params: RemoveMappingParams }
  | { id: number; op: 'undoMapping'; params: UndoMappingParams }
  | { id: number; op: 'cleanUpLeftovers'; params: CleanUpParams }
  | { id: number; op: 'runtimes'; params: RuntimesParams }
  | { id: number; op: 'kernelTrace'; params: KernelTraceParams }
  | { id: number; op: 'connections'; params: ConnectionsParams };

export type ErrorKind = 'invalid' | 'unknown-op' | 'mapping' | 'failed';

export interface ResponseError {
  kind: ErrorKind;
  message: string;
  /** For `mapping`: MappingError's kind and details, so the client can rebuild it. */
  mapping?: { kind: string; details: Record<string, unknown> };
}

/** Every line the helper writes. */
export type HelperMessage =
  | { ready: true; version: number; uid: number; pid: number }
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: ResponseError }
  | { event: 'command'; command: CommandResult };

class Invalid extends Error {}

function fail(path: string, what: string): never {
  throw new Invalid(`${path}: ${what}`);
}

function record(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  const extra = Object.keys(value).find((k) => !keys.includes(k));
  if (extra !== undefined) fail(path, `unknown field ${JSON.stringify(extra.slice(0, 40))}`);
  return value as Record<string, unknown>;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value;
}

function int(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(path, `must be a whole number from ${min} to ${max}`);
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(path, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function list<T>(value: unknown, path: string, max: number, item: (v: unknown, p: string) => T): T[] {
  if (!Array.isArray(value)) fail(path, 'must be a list');
  if (value.length > max) fail(path, `must hold at most ${max} items`);
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

/** A namespace as the helper knows it: its id, the inode number of its nsfs file. */
function namespaceId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value)) fail(path, 'must be a namespace id (digits)');
  return value;
}

/** Plain one-line text (titles, mapping names), never a path or an option. */
function text(value: unknown, path: string, max = 512): string {
  if (typeof value !== 'string' || value.length > max || /[\u0000-\u001f\u007f]/.test(value))
    fail(path, `must be text of at most ${max} characters without control characters`);
  return value;
}

/**
 * A folder the helper may list for Docker-style namespace files: absolute, already normal (no `.`, `..`, `//`), and
 * under /run or /var/run, where runtimes keep them. The helper only lists it and reports the entries that are network
 * namespaces; it never runs or opens anything else there.
 */
function runDir(value: unknown, path: string): string {
  const v = text(value, path, 1024);
  const normal = /^\/(?:var\/)?run(?:\/[^/\s]+)+$/.test(v) && !v.split('/').some((s) => s === '.' || s === '..');
  if (!normal) fail(path, 'must be an absolute folder under /run or /var/run, without . or ..');
  return v;
}

function address(value: unknown, path: string, family: 'ipv4' | 'ipv6'): string {
  if (typeof value !== 'string') fail(path, 'must be an address');
  const checked = checkAddress(value);
  // The canonical text only: the helper writes it into rules, so no other spelling (or padding) gets through.
  if (!checked.ok || checked.value.ip !== value || checked.value.family !== family)
    fail(path, `must be an ${family} address in canonical form`);
  return value;
}

/** An interface name as the kernel allows it (dev_valid_name): at most 15 characters, no `/`, `:` or white space. */
function ifaceName(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^[^/:\s]{1,15}$/.test(value) || value === '.' || value === '..')
    fail(path, 'must be an interface name');
  return value;
}

const FAMILIES = ['ipv4', 'ipv6'] as const;
const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

function spec(value: unknown, path: string): MappingSpec {
  const v = record(value, path, ['family', 'protocol', 'hostIp', 'hostPort', 'targetIp', 'targetPort']);
  const family = oneOf(v.family, `${path}.family`, FAMILIES);
  return {
    family,
    protocol: oneOf(v.protocol, `${path}.protocol`, PROTOCOLS),
    hostIp: v.hostIp === null ? null : address(v.hostIp, `${path}.hostIp`, family),
    hostPort: int(v.hostPort, `${path}.hostPort`, 1, 65535),
    targetIp: address(v.targetIp, `${path}.targetIp`, family),
    targetPort: int(v.targetPort, `${path}.targetPort`, 1, 65535),
  };
}

function selector(value: unknown, path: string): MappingSelector {
  const v = record(value, path, ['family', 'protocol', 'hostPort', 'hostIp']);
  const family = oneOf(v.family, `${path}.family`, FAMILIES);
  const out: MappingSelector = {
    family,
    protocol: oneOf(v.protocol, `${path}.protocol`, PROTOCOLS),
    hostPort: int(v.hostPort, `${path}.hostPort`, 1, 65535),
  };
  if (v.hostIp !== undefined) out.hostIp = v.hostIp === null ? null : address(v.hostIp, `${path}.hostIp`, family);
  return out;
}

/**
 * A plan the client shows back: only ever compared with the helper's own (a stale check) or looked up among the plans
 * the helper itself applied (undo). Its shape is checked so a comparison cannot throw; its rules are never run.
 */
function plan(value: unknown, path: string): MappingPlan {
  const v = record(value, path, [
    'kind',
    'family',
    'title',
    'owner',
    'ops',
    'before',
    'spec',
    'needsRouteLocalnet',
    'nft',
  ]);
  // An nft script is lines: each one text, the whole bounded.
  if (v.nft !== undefined) {
    if (typeof v.nft !== 'string' || v.nft.length > 1_000_000) fail(`${path}.nft`, 'must be an nft script');
    v.nft.split('\n').forEach((l, i) => text(l, `${path}.nft line ${i + 1}`, 100_000));
  }
  oneOf(v.kind, `${path}.kind`, ['add', 'remove'] as const);
  oneOf(v.family, `${path}.family`, FAMILIES);
  text(v.title, `${path}.title`, 4096);
  list(v.ops, `${path}.ops`, 10_000, (op, p) => record(op, p, ['op', 'table', 'chain', 'rule', 'position', 'index']));
  record(v.before, `${path}.before`, Object.keys((v.before as object | null) ?? {}));
  return v as unknown as MappingPlan;
}

function expected(value: unknown, path: string): MappingPlan | null {
  return value === null || value === undefined ? null : plan(value, path);
}

function params(op: Operation, value: unknown): Request['params'] {
  const p = 'params';
  switch (op) {
    case 'snapshot': {
      const v = record(value, p, ['dockerDirs', 'concurrency', 'skipNat', 'changed']);
      return {
        dockerDirs: list(v.dockerDirs, `${p}.dockerDirs`, 16, runDir),
        concurrency: int(v.concurrency, `${p}.concurrency`, 1, 64),
        skipNat: bool(v.skipNat, `${p}.skipNat`),
        changed: v.changed === null ? null : list(v.changed, `${p}.changed`, 100_000, namespaceId),
      };
    }
    case 'traceExtras':
    case 'connections': {
      const v = record(value, p, ['namespaces', 'concurrency']);
      return {
        namespaces: list(v.namespaces, `${p}.namespaces`, 100_000, namespaceId),
        concurrency: int(v.concurrency, `${p}.concurrency`, 1, 64),
      };
    }
    case 'addMapping': {
      const v = record(value, p, ['namespace', 'spec', 'dryRun', 'expected']);
      return {
        namespace: namespaceId(v.namespace, `${p}.namespace`),
        spec: spec(v.spec, `${p}.spec`),
        dryRun: bool(v.dryRun, `${p}.dryRun`),
        expected: expected(v.expected, `${p}.expected`),
      };
    }
    case 'removeMapping': {
      const v = record(value, p, ['namespace', 'selector', 'dryRun', 'allowForeign', 'expected']);
      return {
        namespace: namespaceId(v.namespace, `${p}.namespace`),
        selector: selector(v.selector, `${p}.selector`),
        dryRun: bool(v.dryRun, `${p}.dryRun`),
        allowForeign: bool(v.allowForeign, `${p}.allowForeign`),
        expected: expected(v.expected, `${p}.expected`),
      };
    }
    case 'undoMapping': {
      const v = record(value, p, ['namespace', 'plan']);
      return { namespace: namespaceId(v.namespace, `${p}.namespace`), plan: plan(v.plan, `${p}.plan`) };
    }
    case 'kernelTrace': {
      const v = record(value, p, ['request', 'send', 'waitMs']);
      const r = record(v.request, `${p}.request`, ['source', 'dst', 'dport', 'protocol', 'sport']);
      const src = record(r.source, `${p}.request.source`, ['kind', 'namespace', 'iface', 'address']);
      const kind = oneOf(src.kind, `${p}.request.source.kind`, ['outside', 'local'] as const);
      const namespace = namespaceId(src.namespace, `${p}.request.source.namespace`);
      const dst = typeof r.dst === 'string' ? r.dst : fail(`${p}.request.dst`, 'must be an address');
      const family = dst.includes(':') ? 'ipv6' : 'ipv4';
      const source: TraceRequest['source'] =
        kind === 'outside'
          ? { kind, namespace, iface: ifaceName(src.iface, `${p}.request.source.iface`) }
          : { kind, namespace };
      if (src.address !== undefined) source.address = address(src.address, `${p}.request.source.address`, family);
      return {
        request: {
          source,
          dst: address(dst, `${p}.request.dst`, family),
          dport: int(r.dport, `${p}.request.dport`, 1, 65535),
          protocol: oneOf(r.protocol, `${p}.request.protocol`, ['tcp', 'udp'] as const),
        },
        send: bool(v.send, `${p}.send`),
        waitMs: int(v.waitMs, `${p}.waitMs`, 1000, 300_000),
      };
    }
    case 'runtimes': {
      const v = record(value, p, ['dockerHost']);
      if (v.dockerHost === null) return { dockerHost: null };
      const socket = text(v.dockerHost, `${p}.dockerHost`, 1024);
      if (!socket.startsWith('unix://')) fail(`${p}.dockerHost`, 'must be a unix:// socket');
      return { dockerHost: `unix://${runDir(socket.slice('unix://'.length), `${p}.dockerHost`)}` };
    }
    case 'cleanUpLeftovers': {
      const v = record(value, p, ['namespace', 'family', 'selection', 'dryRun', 'expected']);
      const s = record(v.selection, `${p}.selection`, ['orphans', 'mappings']);
      return {
        namespace: namespaceId(v.namespace, `${p}.namespace`),
        family: oneOf(v.family, `${p}.family`, FAMILIES),
        selection: {
          orphans: bool(s.orphans, `${p}.selection.orphans`),
          mappings:
            s.mappings === 'all' ? 'all' : list(s.mappings, `${p}.selection.mappings`, 10_000, (t, q) => text(t, q)),
        },
        dryRun: bool(v.dryRun, `${p}.dryRun`),
        expected: expected(v.expected, `${p}.expected`),
      };
    }
  }
}

export type Parsed = { ok: true; request: Request } | { ok: false; id: number | null; error: ResponseError };

/** Reads one request line. Never throws; never echoes what it was sent beyond a field name. */
export function parseRequest(line: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, id: null, error: { kind: 'invalid', message: 'not a JSON request' } };
  }
  const id =
    typeof value === 'object' && value !== null && Number.isSafeInteger((value as { id?: unknown }).id)
      ? ((value as { id: number }).id ?? null)
      : null;
  try {
    const v = record(value, 'request', ['id', 'op', 'params']);
    if (id === null || id < 0) fail('id', 'must be a whole number');
    if (typeof v.op !== 'string' || !(OPERATIONS as readonly string[]).includes(v.op))
      return { ok: false, id, error: { kind: 'unknown-op', message: 'unknown operation' } };
    const op = v.op as Operation;
    return { ok: true, request: { id, op, params: params(op, v.params) } as Request };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, id, error: { kind: 'invalid', message: e.message } };
    return { ok: false, id, error: { kind: 'invalid', message: 'malformed request' } };
  }
}
