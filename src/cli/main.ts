// The `netns-explorer` command line: snapshot (text or JSON), record, and replay.
import type { Snapshot } from '../core/model';
import { collectSnapshot } from '../host/collect';
import { DEFAULT_DOCKER_DIRS, discoverNamespaces } from '../host/discovery';
import { runnerFor } from '../host/privilege';
import { RecordingRunner, ReplayRunner } from '../host/recording';
import { DEFAULT_TIMEOUT_MS, stopAllCommands, type Runner } from '../host/runner';
import { CliUsageError, parseCliArgs } from './args';
import { renderSnapshot } from './render';
import { linkRuntime } from '../core/runtime';
import { snapshotJson } from '../core/snapshotJson';
import { readRuntimes } from '../host/runtimes';
import { runTrace, TRACE_USAGE, TraceUsageError } from './trace';
import { runRules, RULES_USAGE, RulesUsageError } from './rules';
import { ConnsUsageError, CONNS_USAGE, runConns } from './conns';
import { CAPTURE_USAGE, CaptureUsageError, interruptCapture, runCapture } from './capture';
import { REACH_USAGE, ReachUsageError, runReach } from './reach';
import { runMapCli } from './map';
import { elevateIfAsked } from './elevate';
import { serveHelper } from '../host/helper/server';
import { HelperAccess, HelperClient, HelperStartError, helperCommand } from '../host/helper/client';
import { DEFAULT_CONCURRENCY } from '../host/collect';

const USAGE = `usage:
  netns-explorer snapshot [--json [--pretty]] [--replay DIR] [options]
  netns-explorer record DIR [options]
  netns-explorer trace --to IP:PORT [--in NS] [--from outside:IFACE|host|NS] [--proto tcp|udp] [--json]
  netns-explorer rules --in NS [--json]   every rule of a namespace, explained
  netns-explorer conns [--in NS] [--json]   live connections (conntrack), each DNATed one tied to its mapping
  netns-explorer capture -i NS:IFACE [-i NS:IFACE]... -w FILE.pcapng   packets of several interfaces, one pcapng
  netns-explorer reach [--from SOURCE]... [--to NS]... [--json|--markdown|--csv]   can A reach B, for every pair
  netns-explorer map ls|add|rm --in NS ...   (netns-explorer map --help)
  netns-explorer helper --stdio [--timeout MS]   the privileged helper the extension starts (docs/HELPER.md)

options:
  --privilege auto|sudo|pkexec|none   how to get root for other namespaces and NAT (default auto; sudo and
                                      pkexec ask for a password on the terminal when one is needed)
  --docker-netns-dir DIR              Docker's sandbox folder (repeatable; default /var/run/docker/netns)
  --timeout MS                        per-command timeout (default 15000)
  --concurrency N                     namespaces read at once (default 8)
  --docker-host unix:///PATH          Docker's (or Podman's) API socket, for container names (default: DOCKER_HOST,
                                      else unix:///var/run/docker.sock)
  --pretty                            snapshot --json: indented (the default is compact)
  --parsed-rules                      snapshot --json: each rule's parse (matches, target) beside its text
  --password-stdin                    snapshot: read the sudo password from the first line of stdin and read
                                      through the privileged helper (for scripts; like docker login)
`;

/** `helper --stdio`: serve the extension (or a test) on stdin/stdout until stdin closes. */
async function runHelper(argv: string[]): Promise<number> {
  const timeoutAt = argv.indexOf('--timeout');
  const timeoutMs = timeoutAt >= 0 ? Number(argv[timeoutAt + 1]) : undefined;
  const known = argv.every((a, i) => a === '--stdio' || a === '--timeout' || (i > 0 && argv[i - 1] === '--timeout'));
  if (!argv.includes('--stdio') || !known || (timeoutMs !== undefined && !(timeoutMs > 0)))
    throw new CliUsageError('usage: netns-explorer helper --stdio [--timeout MS]');
  await serveHelper(process.stdin, process.stdout, timeoutMs);
  process.exit(0);
}

/** The first line of stdin, without its line break. */
async function readPasswordLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.replace(/\r$/, '');
}

/** `snapshot --password-stdin`: one helper started with sudo and that password, asked once, then stopped. */
async function snapshotThroughHelper(options: {
  dockerNetnsDirs: string[] | undefined;
  timeoutMs: number | undefined;
  concurrency: number | undefined;
}): Promise<Snapshot> {
  const password = await readPasswordLine();
  const client = await HelperClient.start({
    command: helperCommand([process.execPath, process.argv[1]!], options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    elevation: process.getuid?.() === 0 ? { how: 'none' } : { how: 'sudo-password', password },
  }).catch((e: unknown) => {
    throw new Error(e instanceof HelperStartError ? `could not get root: ${e.message}` : String(e));
  });
  try {
    return await new HelperAccess(client).snapshot({
      dockerDirs: options.dockerNetnsDirs ?? DEFAULT_DOCKER_DIRS,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      skipNat: false,
      changed: null,
    });
  } finally {
    client.dispose();
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'helper') return runHelper(argv.slice(1));
  const elevated = await elevateIfAsked(argv, process.argv[1]!);
  if (elevated !== null) return elevated;
  if (argv[0] === 'trace') return runTrace(argv.slice(1));
  if (argv[0] === 'map') return runMapCli(argv.slice(1));
  if (argv[0] === 'rules') return runRules(argv.slice(1));
  if (argv[0] === 'conns') return runConns(argv.slice(1));
  if (argv[0] === 'reach') return runReach(argv.slice(1));
  if (argv[0] === 'capture') return runCapture(argv.slice(1));
  const {
    command,
    rest,
    help,
    json,
    pretty,
    parsedRules,
    replay: replayDir,
    privilege,
    dockerNetnsDirs,
    timeoutMs,
    concurrency,
    passwordStdin,
    dockerHost,
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
      const print = async (kernel: Snapshot, live: boolean) => {
        // Names from the runtimes on top of the kernel view (a replay has none to ask).
        const snapshot = live ? linkRuntime(kernel, await readRuntimes({ dockerHost })) : kernel;
        process.stdout.write(
          json
            ? `${JSON.stringify(snapshotJson(snapshot, { runtime: live, parsedRules }), null, pretty ? 2 : undefined)}\n`
            : renderSnapshot(snapshot),
        );
      };
      if (passwordStdin) {
        if (replayDir !== undefined) throw new CliUsageError('--password-stdin reads a live host, not a replay');
        await print(await snapshotThroughHelper({ dockerNetnsDirs, timeoutMs, concurrency }), true);
        return 0;
      }
      const replay = replayDir !== undefined ? new ReplayRunner(replayDir) : null;
      const { snapshot } = await take(replay ?? (await liveRunner()), replay);
      await print(snapshot, replay === null);
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
  process.on(signal, () => {
    // A capture stops its tcpdumps and finishes its file first; a second Ctrl-C exits at once.
    if (interruptCapture && signal === 'SIGINT') {
      interruptCapture();
      return;
    }
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
      err instanceof RulesUsageError ||
      err instanceof ConnsUsageError ||
      err instanceof ReachUsageError ||
      err instanceof CaptureUsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const usages: Record<string, string> = {
      trace: TRACE_USAGE,
      rules: RULES_USAGE,
      conns: CONNS_USAGE,
      reach: REACH_USAGE,
      capture: CAPTURE_USAGE,
    };
    const text = usages[process.argv[2] ?? ''] ?? USAGE;
    process.stderr.write(`netns-explorer: ${(err as Error).message}\n${usage ? text : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
