// `--privilege sudo` (or pkexec) on a terminal: when that needs a password, the whole command runs again under sudo
// (pkexec), which asks on the terminal as it always does, once. The extension host has no terminal, so it uses the
// privileged helper instead (host/helper); a CLI run is short and already on a terminal, so one elevated process is
// the simplest thing that asks once and reads everything (docs/HELPER.md).
import { execa } from 'execa';
import { sudoWithoutPassword } from '../host/privilege';

/** The value of `--privilege` in `argv` (either spelling), or undefined. */
export function privilegeArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (a === '--privilege') return argv[i + 1];
    if (a.startsWith('--privilege=')) return a.slice('--privilege='.length);
  }
  return undefined;
}

/** `argv` with `--privilege X` replaced by `--privilege none` (the elevated run is root already). */
export function withoutElevation(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--privilege') {
      i++;
      continue;
    }
    if (a.startsWith('--privilege=')) continue;
    out.push(a);
  }
  return [...out, '--privilege', 'none'];
}

/**
 * Runs this command again under sudo or pkexec when `--privilege` asks for it, this process is not root, and no
 * password-less way works. Returns the elevated run's exit code, or null when this process should go on itself.
 */
export async function elevateIfAsked(argv: readonly string[], script: string): Promise<number | null> {
  const asked = privilegeArg(argv);
  if ((asked !== 'sudo' && asked !== 'pkexec') || process.getuid?.() === 0 || argv.includes('--password-stdin'))
    return null;
  if (asked === 'sudo') {
    if (await sudoWithoutPassword()) return null;
    if (!process.stdin.isTTY) return null; // nobody to ask: the run goes on read-only and says so
  }
  const prefix = asked === 'sudo' ? ['sudo', '--'] : ['pkexec'];
  const [file, ...args] = [...prefix, process.execPath, script, ...withoutElevation(argv)];
  const run = await execa(file!, args, { stdio: 'inherit', reject: false });
  return run.exitCode ?? 1;
}
