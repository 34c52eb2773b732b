// The `netns-explorer` command line: snapshot (text or JSON), record, and replay.
import { parseArgs } from 'node:util';
import type { Snapshot } from '../core/model';
import { collectSnapshot } from '../host/collect';
import { DEFAULT_DOCKER_DIRS, discoverNamespaces } from '../host/discovery';
import { resolvePrivilege, type PrivilegeSetting } from '../host/privilege';
import { RecordingRunner, ReplayRunner } from '../host/recording';
import { ExecRunner, type Runner } from '../host/runner';
import { renderSnapshot } from './render';

const USAGE = `usage:
  netns-explorer snapshot [--json] [--replay DIR] [options]
  netns-explorer record DIR [options]

options:
  --privilege auto|sudo|pkexec|none   how to get root for other namespaces and NAT (default auto)
  --docker-netns-dir DIR              Docker's sandbox folder (repeatable; default /var/run/docker/netns)
  --timeout MS                        per-command timeout (default 15000)
  --concurrency N                     namespaces read at once (default 8)
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      replay: { type: 'string' },
      privilege: { type: 'string', default: 'auto' },
      'docker-netns-dir': { type: 'string', multiple: true },
      timeout: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const privilege = values.privilege as PrivilegeSetting;
  if (!['auto', 'sudo', 'pkexec', 'none'].includes(privilege)) throw new UsageError(`--privilege must be auto, sudo, pkexec or none, not ${privilege}`);
  const timeoutMs = positiveInt(values.timeout, '--timeout');
  const concurrency = positiveInt(values.concurrency, '--concurrency');

  const take = async (runner: Runner, replay: ReplayRunner | null): Promise<{ snapshot: Snapshot; discovery: Awaited<ReturnType<typeof discoverNamespaces>> }> => {
    const discovery = replay?.discovery ?? await discoverNamespaces({ dockerDirs: values['docker-netns-dir'] ?? DEFAULT_DOCKER_DIRS });
    const snapshot = await collectSnapshot(runner, discovery, { concurrency });
    return { snapshot, discovery };
  };
  const liveRunner = async (): Promise<Runner> => {
    const choice = await resolvePrivilege(privilege);
    if (choice.readOnly) process.stderr.write(`netns-explorer: read-only: ${choice.reason}\n`);
    return new ExecRunner({ privilege: choice.privilege, timeoutMs });
  };

  switch (command) {
    case 'snapshot': {
      if (rest.length) throw new UsageError(`unexpected argument: ${rest[0]}`);
      const replay = values.replay !== undefined ? new ReplayRunner(values.replay) : null;
      const { snapshot } = await take(replay ?? await liveRunner(), replay);
      process.stdout.write(values.json ? `${JSON.stringify(snapshot, null, 2)}\n` : renderSnapshot(snapshot));
      return 0;
    }
    case 'record': {
      const dir = rest[0];
      if (dir === undefined || rest.length > 1) throw new UsageError('record takes one folder');
      const recorder = new RecordingRunner(await liveRunner());
      const { snapshot, discovery } = await take(recorder, null);
      recorder.save(dir, discovery, snapshot);
      process.stderr.write(`recorded ${snapshot.namespaces.length} namespaces to ${dir}; replay with: netns-explorer snapshot --replay ${dir}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} takes a positive whole number, not ${value}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`netns-explorer: ${(err as Error).message}\n${usage ? USAGE : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
