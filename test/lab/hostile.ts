// The hostile-names lab: namespaces, interfaces and rule comments named to break HTML, Markdown, argv and terminals;
// all marked nxh-hx.
import * as fs from 'node:fs';
import { ExecRunner, formatArgv, type Runner } from '../../src/host/runner';
import { acquireLabLock, releaseLabLock } from './lab';

/** Every name this lab makes contains the marker; `hostileDown` deletes every /run/netns entry that does. */
export const HOSTILE_MARKER = 'nxh-hx';

export const HOSTILE_NAMES = {
  html: `<img src=x onerror=alert(1)>${HOSTILE_MARKER}`,
  markdown: `${HOSTILE_MARKER} *b* _i_ [run](command:workbench.action.terminal.new) \`x\``,
  dash: `-${HOSTILE_MARKER}-lead`,
  /** NAME_MAX: `ip netns add` refuses 256 bytes ("Invalid netns name"). */
  long: `${HOSTILE_MARKER}-${'L'.repeat(255 - HOSTILE_MARKER.length - 1)}`,
  unicode: `${HOSTILE_MARKER}-ünï-😀-ﬁ-\u202eevil`,
  shell: `${HOSTILE_MARKER} $(touch nxh-pwned) \`touch nxh-pwned\` 'q' "dq" ;|&`,
  newline: `${HOSTILE_MARKER}-line1\nline2`,
} as const;
export type HostileKey = keyof typeof HOSTILE_NAMES;

/**
 * Interface names are at most 15 bytes and may not hold '/', ':' or spaces (ip refuses them), but may hold markup and
 * quotes.
 */
export const HOSTILE_IFACES = { html: '<img>"v', markdown: '[v](x)' } as const;
export const HOSTILE_ADDRS = { html: '10.254.77.1/30', markdown: '10.254.77.2/30' } as const;

/** Comments on rules in the html namespace's nat table, as iptables stores them (decoded). */
export const HOSTILE_COMMENTS = {
  quotes: 'he said "hi" and \'bye\'',
  backslashes: 'C:\\path\\to\\ end\\',
  html: '<script>alert(1)</script><img src=x onerror=alert(2)> [run](command:workbench.action.terminal.new)',
} as const;
export const HOSTILE_PORT = 8080;
export const HOSTILE_CHAIN = 'NXH-HX';

export interface HostileState {
  names: Record<HostileKey, string>;
  /** Namespace inodes by key, as decimal strings (the snapshot's namespace ids). */
  ids: Record<HostileKey, string>;
}

const NETNS_DIR = '/run/netns';
const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

export function hostileRules(): string {
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    `:${HOSTILE_CHAIN} - [0:0]`,
    `-A PREROUTING -m comment --comment ${quote(HOSTILE_COMMENTS.quotes)} -j ${HOSTILE_CHAIN}`,
    `-A ${HOSTILE_CHAIN} -p tcp -m tcp --dport ${HOSTILE_PORT} -m comment --comment ${quote(HOSTILE_COMMENTS.html)} -j DNAT --to-destination ${HOSTILE_ADDRS.markdown.split('/')[0]}:80`,
    `-A ${HOSTILE_CHAIN} -m comment --comment ${quote(HOSTILE_COMMENTS.backslashes)} -j RETURN`,
    'COMMIT',
    '',
  ].join('\n');
}

async function must(runner: Runner, argv: string[], input?: string): Promise<void> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  if (r.failure) throw new Error(`hostile lab: ${formatArgv(argv)}: ${r.stderr.trim() || r.failure.message}`);
}

/** `/run/netns` entries carrying the marker (names may hold newlines: read the folder, never parse `ip netns list`). */
export function hostileLeftovers(): string[] {
  try {
    return fs.readdirSync(NETNS_DIR).filter((n) => n.includes(HOSTILE_MARKER));
  } catch {
    return [];
  }
}

async function teardown(runner: Runner): Promise<void> {
  const problems: string[] = [];
  for (const name of hostileLeftovers()) {
    const r = await runner.run(['ip', 'netns', 'del', name]);
    if (r.failure) problems.push(`${JSON.stringify(name)}: ${r.stderr.trim()}`);
  }
  if (problems.length) throw new Error(`hostile lab: could not delete ${problems.join('; ')}`);
}

/**
 * Takes the lab lock and builds the hostile namespaces (removing leftovers first); on failure cleans up and rethrows.
 */
export async function hostileUp(opts: { runner?: Runner; log?: (line: string) => void } = {}): Promise<HostileState> {
  const runner = opts.runner ?? new ExecRunner({ timeoutMs: 20_000 });
  await acquireLabLock(opts.log ?? (() => undefined));
  try {
    await teardown(runner);
    const ids = {} as Record<HostileKey, string>;
    for (const [key, name] of Object.entries(HOSTILE_NAMES) as [HostileKey, string][]) {
      await must(runner, ['ip', 'netns', 'add', name]);
      ids[key] = String(fs.statSync(`${NETNS_DIR}/${name}`).ino);
    }
    const net = (key: HostileKey) => `--net=${NETNS_DIR}/${HOSTILE_NAMES[key]}`;
    await must(runner, [
      'ip',
      '-n',
      HOSTILE_NAMES.html,
      'link',
      'add',
      HOSTILE_IFACES.html,
      'type',
      'veth',
      'peer',
      'name',
      HOSTILE_IFACES.markdown,
      'netns',
      HOSTILE_NAMES.markdown,
    ]);
    for (const key of ['html', 'markdown'] as const) {
      await must(runner, [
        'ip',
        '-n',
        HOSTILE_NAMES[key],
        'addr',
        'add',
        HOSTILE_ADDRS[key],
        'dev',
        HOSTILE_IFACES[key],
      ]);
      await must(runner, ['ip', '-n', HOSTILE_NAMES[key], 'link', 'set', HOSTILE_IFACES[key], 'up']);
    }
    await must(runner, ['nsenter', net('html'), '--', 'iptables-restore', '--noflush'], hostileRules());
    return { names: { ...HOSTILE_NAMES }, ids };
  } catch (error) {
    await teardown(runner).catch(() => undefined);
    releaseLabLock();
    throw error;
  }
}

/**
 * Deletes every marked namespace and releases the lock; throws if one could not be deleted. Takes the
 * lock first if this process does not hold it, so it never deletes another process's hostile lab.
 */
export async function hostileDown(opts: { runner?: Runner } = {}): Promise<void> {
  await acquireLabLock(() => undefined);
  try {
    await teardown(opts.runner ?? new ExecRunner({ timeoutMs: 20_000 }));
  } finally {
    releaseLabLock();
  }
}
