// Records every command's raw output to a folder, and replays such a folder as a Runner.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Discovery, Snapshot } from '../core/model';
import { snapshotJson } from '../core/snapshotJson';
import { BATCH_FILE_PATTERN, discoveredNames, type BatchEnvironment } from './batchedCollect';
import type { CommandResult, RunOptions, Runner } from './runner';

interface RecordedCommand {
  argv: string[];
  input: string;
  stdoutFile: string;
  stderrFile: string;
  exitCode: number | null;
  failure: CommandResult['failure'];
}

interface Manifest {
  format: 'netns-explorer-recording/1';
  recordedAt: string;
  discovery: Discovery;
  commands: RecordedCommand[];
}

/** The batched read's commands file lives in a fresh temporary folder each run: match it by shape. */
const keyOf = (argv: readonly string[], input: string | undefined): string =>
  JSON.stringify([argv.map((a) => (BATCH_FILE_PATTERN.test(a) ? '<ip batch file>' : a)), input ?? '']);

/** Wraps a runner and keeps each command's output, to be written once the snapshot is done. */
export class RecordingRunner implements Runner {
  private readonly results: { argv: string[]; input: string; result: CommandResult }[] = [];

  constructor(private readonly inner: Runner) {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const result = await this.inner.run(argv, options);
    this.results.push({ argv: [...argv], input: options.input ?? '', result });
    return result;
  }

  /** Writes the outputs, the manifest, and the snapshot they produced (what the user saw). */
  save(dir: string, discovery: Discovery, snapshot: Snapshot): void {
    mkdirSync(dir, { recursive: true });
    const commands = this.results.map(({ argv, input, result }, i) => {
      const stem = `${String(i).padStart(4, '0')}-${argv.find((a) => /^(ip|ip6?tables(-legacy)?-save)$/.test(a)) ?? 'cmd'}`;
      writeFileSync(join(dir, `${stem}.stdout`), result.stdout);
      writeFileSync(join(dir, `${stem}.stderr`), result.stderr);
      return {
        argv,
        input,
        stdoutFile: `${stem}.stdout`,
        stderrFile: `${stem}.stderr`,
        exitCode: result.exitCode,
        failure: result.failure,
      };
    });
    const manifest: Manifest = {
      format: 'netns-explorer-recording/1',
      recordedAt: new Date().toISOString(),
      discovery,
      commands,
    };
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // What `snapshot --json --pretty` printed when it was recorded: a replay prints the same.
    writeFileSync(
      join(dir, 'snapshot.json'),
      `${JSON.stringify(snapshotJson(snapshot, { runtime: false, parsedRules: false }), null, 2)}\n`,
    );
  }
}

/** Serves recorded output for the same argv and input; anything not recorded fails as a missing tool would. */
export class ReplayRunner implements Runner {
  private readonly byKey = new Map<string, RecordedCommand>();
  readonly discovery: Discovery;

  constructor(private readonly dir: string) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.format !== 'netns-explorer-recording/1') throw new Error(`${dir} is not a netns-explorer recording`);
    this.discovery = manifest.discovery;
    for (const c of manifest.commands) this.byKey.set(keyOf(c.argv, c.input), c);
  }

  /**
   * The machine as the recording saw it, for the batched read: root if the recording holds the
   * batch's commands, and /run/netns as discovery listed it. Replaying elsewhere (or later) then
   * asks for the same commands that were recorded.
   */
  batchEnvironment(): BatchEnvironment {
    const batched = this.byKey.has(keyOf(['ip', '-all', 'netns', 'exec', 'iptables-save', '-c'], undefined));
    const names = [...discoveredNames(this.discovery)];
    return { root: batched, runNetnsEntries: () => names };
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const c = this.byKey.get(keyOf(argv, options.input));
    if (c === undefined) {
      return {
        argv: [...argv],
        stdout: '',
        stderr: '',
        exitCode: null,
        durationMs: 0,
        failure: { reason: 'missing', message: `not in the recording: ${argv.join(' ')}` },
      };
    }
    return {
      argv: c.argv,
      stdout: readFileSync(join(this.dir, c.stdoutFile), 'utf8'),
      stderr: readFileSync(join(this.dir, c.stderrFile), 'utf8'),
      exitCode: c.exitCode,
      failure: c.failure,
      durationMs: 0,
    };
  }
}
