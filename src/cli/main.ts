// The `netns-explorer` command line: snapshot (text or JSON), record, and replay.
import type { Snapshot } from '../core/model';
import { collectSnapshot } from '../host/collect';
import { DEFAULT_DOCKER_DIRS, discoverNamespaces } from '../host/discovery';
import { runnerFor } from '../host/privilege';
import { RecordingRunner, ReplayRunner } from '../host/recording';
import { stopAllCommands, type Runner } from '../host/runner';
import { CliUsageError, parseCliArgs } from './args';
import { renderSnapshot } from './render';
import { runTrace, TRACE_USAGE, TraceUsageError } from './trace';
import { runMapCli } from './map';

const USAGE = `usage:
  netns-explorer snapshot [--json] [--replay DIR] [options]
  netns-explorer record DIR [options]
  netns-explorer trace --to IP:PORT [--in NS] [--from outside:IFACE|host|NS] [--proto tcp|udp] [--json]
  netns-explorer map ls|add|rm --in NS ...   (netns-explorer map --help)

options:
  --privilege auto|sudo|pkexec|none   how to get root for other namespaces and NAT (default auto)
  --docker-netns-dir DIR              Docker's sandbox folder (repeatable; default /var/run/docker/netns)
  --timeout MS                        per-command timeout (default 15000)
  --concurrency N                     namespaces read at once (default 8)
`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'trace') return runTrace(argv.slice(1));
  if (argv[0] === 'map') return runMapCli(argv.slice(1));
  const {
    command,
    rest,
    help,
    json,
    replay: replayDir,
    privilege,
    dockerNetnsDirs,
    timeoutMs,
    concurrency,
  } = parseCliArgs(argv);
  if (help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !help ? 2 : 0;
  }

  const take = async (
    runner: Runner,
    replay: ReplayRunner | null,
  ): Promise<{ snapshot: Snapshot; discovery: Awaited<ReturnType<typeof discoverNamespaces>> }> => {
    const discovery =
      replay?.discovery ?? (await discoverNamespaces({ dockerDirs: dockerNetnsDirs ?? DEFAULT_DOCKER_DIRS }));
    const snapshot = await collectSnapshot(
      runner,
      discovery,
      replay ? { concurrency, batchEnvironment: replay.batchEnvironment() } : { concurrency },
    );
    return { snapshot, discovery };
  };
  const liveRunner = async (): Promise<Runner> => {
    const { runner, choice } = await runnerFor({ privilege, timeoutMs });
    if (choice.readOnly) process.stderr.write(`netns-explorer: read-only: ${choice.reason}\n`);
    return runner;
  };

  switch (command) {
    case 'snapshot': {
      if (rest.length) throw new CliUsageError(`unexpected argument: ${rest[0]}`);
      const replay = replayDir !== undefined ? new ReplayRunner(replayDir) : null;
      const { snapshot } = await take(replay ?? (await liveRunner()), replay);
      process.stdout.write(json ? `${JSON.stringify(snapshot, null, 2)}\n` : renderSnapshot(snapshot));
      return 0;
    }
    case 'record': {
      const dir = rest[0];
      if (dir === undefined || rest.length > 1) throw new CliUsageError('record takes one folder');
      const recorder = new RecordingRunner(await liveRunner());
      const { snapshot, discovery } = await take(recorder, null);
      recorder.save(dir, discovery, snapshot);
      process.stderr.write(
        `recorded ${snapshot.namespaces.length} namespaces to ${dir}; replay with: netns-explorer snapshot --replay ${dir}\n`,
      );
      return 0;
    }
    default:
      throw new CliUsageError(`unknown command: ${command}`);
  }
}

// Commands run in process groups of their own (runner.ts), so a terminal's Ctrl-C reaches only this process: pass it
// on.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  process.once(signal, () => {
    stopAllCommands();
    process.exit(code);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage =
      err instanceof CliUsageError ||
      err instanceof TraceUsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const text = process.argv[2] === 'trace' ? TRACE_USAGE : USAGE;
    process.stderr.write(`netns-explorer: ${(err as Error).message}\n${usage ? text : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
