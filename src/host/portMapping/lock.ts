// A lock file per namespace (O_EXCL create, holder's pid inside), so two processes never read-plan-apply the same rules
// at once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LockOptions {
  /** Folder of lock files; default /run/netns-explorer/locks as root, else a per-user folder under the temp dir. */
  dir?: string;
  /** How long to wait for another holder; default 30 s. */
  timeoutMs?: number;
}

export class LockTimeoutError extends Error {}

export function defaultLockDir(): string {
  return process.getuid?.() === 0
    ? '/run/netns-explorer/locks'
    : path.join(os.tmpdir(), `netns-explorer-locks-${process.getuid?.() ?? 'user'}`);
}

function holder(file: string): number | null {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** Whether a process exists (one we may not signal counts as existing). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` holding `<dir>/<key>.lock`. The iptables lock (`-w`) only orders single commands; reading
 * the rules, planning and applying must not interleave with another process doing the same. A lock left
 * by a process that died is taken over: renaming it away first means only one waiter wins that race.
 */
export async function withLock<T>(key: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const dir = options.dir ?? defaultLockDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.lock`);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = holder(file);
    if (pid !== null && !alive(pid)) {
      const stale = `${file}.stale.${process.pid}`;
      try {
        fs.renameSync(file, stale);
        // Between reading the pid and the rename another waiter may have taken over: put a live lock back.
        const moved = holder(stale);
        if (moved !== null && moved !== pid && alive(moved)) fs.linkSync(stale, file);
        fs.rmSync(stale, { force: true });
      } catch {
        /* another waiter won the takeover */
      }
      continue;
    }
    if (Date.now() > deadline)
      throw new LockTimeoutError(`another process (pid ${pid ?? '?'}) is changing this namespace's rules (${file})`);
    await sleep(pid === null ? 10 : 50);
  }
  try {
    return await work();
  } finally {
    if (holder(file) === process.pid) fs.rmSync(file, { force: true });
  }
}
