// The one place commands run: argv arrays through execa, with timeouts, a privilege prefix and classified failures.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa, execaSync } from 'execa';
import type { ErrorReason } from '../core/model';

export type Privilege = 'none' | 'sudo' | 'pkexec';

export interface RunOptions {
  /** Written to the command's standard input. */
  input?: string;
  /** Milliseconds before the command is killed; defaults to the runner's. */
  timeoutMs?: number;
  /** Run without the privilege prefix (reads that any user may do). */
  unprivileged?: boolean;
}

export interface CommandFailure {
  reason: ErrorReason;
  message: string;
}

export interface CommandResult {
  argv: string[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** Null when the command ran and exited 0. */
  failure: CommandFailure | null;
  durationMs: number;
}

export interface Runner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export interface ExecRunnerOptions {
  privilege?: Privilege;
  timeoutMs?: number;
  /** Extra environment, e.g. a PATH for tests. The environment is never logged. */
  env?: NodeJS.ProcessEnv;
  /** Called after every command, for the output channel and for recording. */
  onCommand?: (result: CommandResult) => void;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

export function privilegePrefix(privilege: Privilege): string[] {
  switch (privilege) {
    case 'sudo':
      return ['sudo', '-n', '--'];
    case 'pkexec':
      return ['pkexec', '--disable-internal-agent'];
    case 'none':
      return [];
  }
}

/** Shows an argv list the way a user would type it, quoting what a shell would split. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const PERMISSION_PATTERNS = [
  /permission denied/i,
  /operation not permitted/i,
  /you must be root/i,
  /a password is required/i,
  /not allowed to execute/i,
  /Request dismissed|Not authorized/i,
];

/** Turns how a command ended into a reason a user can act on. */
export function classifyFailure(
  tool: string,
  exit: {
    exitCode: number | null;
    stderr: string;
    timedOut: boolean;
    spawnErrorCode?: string;
    timeoutMs: number;
  },
): CommandFailure | null {
  if (exit.spawnErrorCode === 'ENOENT')
    return { reason: 'missing', message: `${tool} is not installed or not on PATH` };
  if (exit.spawnErrorCode === 'EACCES')
    return { reason: 'permission', message: `${tool} could not be executed: permission denied` };
  if (exit.timedOut) return { reason: 'timeout', message: `${tool} timed out after ${exit.timeoutMs} ms` };
  if (exit.exitCode === 0) return null;
  const stderr = exit.stderr.trim();
  const firstLine = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  // nsenter/sudo report a missing inner tool on stderr with exit 127.
  if (
    exit.exitCode === 127 ||
    (/No such file or directory$|command not found/.test(firstLine) &&
      /exec|failed to execute|not found/.test(firstLine))
  ) {
    return { reason: 'missing', message: firstLine || `${tool}: command not found` };
  }
  if (PERMISSION_PATTERNS.some((p) => p.test(stderr))) return { reason: 'permission', message: firstLine };
  return { reason: 'failed', message: firstLine || `${tool} exited with code ${exit.exitCode}` };
}

/** How long a process group has after SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 1000;

/** Process groups of commands still running: stopped on timeout, on dispose, and when this process exits. */
const runningGroups = new Map<number, ReturnType<typeof setTimeout> | null>();

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone, or (behind sudo) a member we may not signal: sudo passes the signal on to its command.
  }
}

/** Tracks a command's process group (its pid, as a detached child leads its own group). */
function trackGroup(pgid: number): { stop(): void; done(): void } {
  runningGroups.set(pgid, null);
  return {
    // TERM first so tools can clean up, KILL for whatever is left after the grace period.
    stop() {
      if (!runningGroups.has(pgid) || runningGroups.get(pgid) !== null) return;
      signalGroup(pgid, 'SIGTERM');
      const kill = setTimeout(() => {
        signalGroup(pgid, 'SIGKILL');
        runningGroups.delete(pgid);
      }, KILL_GRACE_MS);
      kill.unref();
      runningGroups.set(pgid, kill);
    },
    // The leader exited and its output closed. A member that outlived a stop is still killed by its timer.
    done() {
      if (runningGroups.get(pgid) === null) runningGroups.delete(pgid);
    },
  };
}

/** Kills every command still running, with everything it started (extension deactivate, process exit). */
export function stopAllCommands(): void {
  for (const [pgid, kill] of runningGroups) {
    if (kill !== null) clearTimeout(kill);
    signalGroup(pgid, 'SIGKILL');
  }
  runningGroups.clear();
}

/**
 * Runs a command to completion synchronously, for the one place that cannot wait: an exit handler taking back what a
 * run put in the kernel. Failures are returned, not thrown.
 */
export function runSync(argv: readonly string[], timeoutMs = 5000): { ok: boolean; stderr: string } {
  const [file, ...args] = argv;
  if (file === undefined) return { ok: false, stderr: 'empty argv' };
  const r = execaSync(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { ok: !r.failed, stderr: String(r.stderr ?? '') };
}

/** How many commands are running now (tests check that none is left behind). */
export function runningCommandCount(): number {
  return runningGroups.size;
}

process.once('exit', stopAllCommands);

/** Runs real commands with execa. Never a shell: every argument is one argv element. */
export class ExecRunner implements Runner {
  private readonly prefix: string[];
  private readonly timeoutMs: number;

  constructor(private readonly options: ExecRunnerOptions = {}) {
    this.prefix = privilegePrefix(options.privilege ?? 'none');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const full = options.unprivileged ? [...argv] : [...this.prefix, ...argv];
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const started = performance.now();
    const [file, ...args] = full;
    if (file === undefined) throw new Error('empty argv');
    // Its own process group, so a timeout stops what it started too: a script's `sleep`, the dump `ip netns exec`
    // forks. Killing the direct child alone leaves those holding the output pipe, and the read never ends.
    const child = execa(file, args, {
      input: options.input ?? '',
      reject: false,
      stripFinalNewline: false,
      maxBuffer: 1024 * 1024 * 1024,
      env: this.options.env,
      extendEnv: true,
      detached: true,
    });
    const group = child.pid === undefined ? null : trackGroup(child.pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      group?.stop();
    }, timeoutMs);
    const outcome = await child;
    clearTimeout(timer);
    group?.done();
    const stdout = typeof outcome.stdout === 'string' ? outcome.stdout : '';
    const stderr = typeof outcome.stderr === 'string' ? outcome.stderr : '';
    const spawnErrorCode = (outcome as { code?: string }).code;
    const failure = classifyFailure(argv[0] ?? file, {
      exitCode: outcome.exitCode ?? null,
      stderr,
      timedOut,
      spawnErrorCode: outcome.failed && outcome.exitCode === undefined ? spawnErrorCode : undefined,
      timeoutMs,
    });
    const result: CommandResult = {
      argv: full,
      stdout,
      stderr,
      exitCode: outcome.exitCode ?? null,
      failure,
      durationMs: performance.now() - started,
    };
    this.options.onCommand?.(result);
    return result;
  }
}

export interface Watch {
  stop(): void;
}

/** The processes this process keeps running as watches (`nft monitor` inside a namespace, `ip monitor`). */
const watching = new Set<number>();

/**
 * This process's own watch processes. Discovery leaves them out: an `nft monitor` entered into a container's network
 * namespace is not one of the container's processes (it would make the namespace look shared by two PID namespaces).
 */
export function watchPids(): ReadonlySet<number> {
  return watching;
}

/** How a streamed command ended: null when it exited 0 or was stopped, else why; `stderr` keeps its last lines. */
export interface StreamEnd {
  failure: string | null;
  exitCode: number | null;
  stderr: string;
}

export interface StreamOptions extends ExecRunnerOptions {
  /** Lead a process group of its own, stopped as one (a command run through nsenter or timeout). */
  group?: boolean;
  /** Called with each line the command writes on stderr (tcpdump's "listening on …"). */
  onStderrLine?: (line: string) => void;
}

const STDERR_KEPT = 4096;

/**
 * Starts a long-running command and hands each chunk of its standard output to `onData` as it comes. Same rules as
 * `run`: an argv array, the privilege prefix, no shell. `onExit` fires when it ends, by itself or stopped.
 */
export function streamBytes(
  argv: readonly string[],
  onData: (chunk: Uint8Array) => void,
  onExit: (end: StreamEnd & { stopped: boolean }) => void,
  options: StreamOptions = {},
): Watch {
  const full = [...privilegePrefix(options.privilege ?? 'none'), ...argv];
  const [file, ...args] = full;
  if (file === undefined) throw new Error('empty argv');
  let stopped = false;
  const child = execa(file, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stderr: options.onStderrLine ? 'pipe' : 'ignore',
    env: options.env,
    encoding: 'buffer',
    // By default not detached: a monitor has no children to stop as a group, and this way execa kills it when this
    // process exits (a detached one outlived every killed extension host). A `group` command leads a process group
    // of its own, stopped as one, and by stopAllCommands on exit.
    cleanup: true,
    detached: options.group === true,
  });
  const group = options.group && child.pid !== undefined ? trackGroup(child.pid) : null;
  const pid = child.pid;
  if (pid !== undefined) watching.add(pid);
  let stderr = '';
  let partialErr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
    const lines = (partialErr + chunk).split('\n');
    partialErr = lines.pop() ?? '';
    for (const line of lines) options.onStderrLine?.(line);
  });
  child.stdout?.on('data', (chunk: Uint8Array) => onData(chunk));
  void child.then((r) => {
    if (pid !== undefined) watching.delete(pid);
    group?.done();
    const failure =
      r.failed && !stopped ? (r.code === 'ENOENT' ? `${argv[0]} is not installed` : (r.shortMessage ?? 'ended')) : null;
    onExit({ failure, exitCode: r.exitCode ?? null, stderr, stopped });
  });
  return {
    stop: () => {
      stopped = true;
      if (group) group.stop();
      else child.kill();
    },
  };
}

/**
 * Starts a long-running command (such as `ip monitor`) and calls `onLine` for each line it prints.
 * `onExit` fires if it ends by itself.
 */
export function watchLines(
  argv: readonly string[],
  onLine: (line: string) => void,
  onExit: (failure: string | null) => void,
  options: StreamOptions = {},
): Watch {
  let partial = '';
  const decoder = new TextDecoder();
  return streamBytes(
    argv,
    (chunk) => {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    (end) => {
      if (!end.stopped) onExit(end.failure);
    },
    options,
  );
}

/** Where `program` is on the PATH, or null (a button that needs it is shown only then). */
export function onPath(program: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, program);
    if (existsSync(file)) return file;
  }
  return null;
}

/**
 * Starts a program the user keeps (Wireshark on a capture file) and lets it go: detached, not waited for, not stopped
 * with this process's commands. Resolves with why it could not start, or null once it has.
 */
export function startDetached(argv: readonly string[]): Promise<string | null> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty argv');
  const child = execa(file, args, { detached: true, stdio: 'ignore', cleanup: false, reject: false });
  child.unref();
  return new Promise((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (e) => resolve(e.message));
  });
}
