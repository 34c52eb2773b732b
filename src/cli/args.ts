// Parses the snapshot/record command line into checked options; throws CliUsageError (or Node's ERR_PARSE_ARGS_*) on
// bad input.
import { parseArgs } from 'node:util';
import type { PrivilegeSetting } from '../host/privilege';

export class CliUsageError extends Error {}

export interface CliOptions {
  /** undefined when no command was given (usage is printed). */
  command: string | undefined;
  rest: string[];
  help: boolean;
  json: boolean;
  /** With --json: indented output (the default is compact, a fraction of the size on a large rule set). */
  pretty: boolean;
  /** With --json: every rule's parse (matches, target) beside its text; the default is the text alone. */
  parsedRules: boolean;
  replay: string | undefined;
  privilege: PrivilegeSetting;
  dockerNetnsDirs: string[] | undefined;
  timeoutMs: number | undefined;
  concurrency: number | undefined;
  /** Read the sudo password from stdin and read through the privileged helper (scripts, and the tests). */
  passwordStdin: boolean;
  /** Docker's (or Podman's) API socket, `unix:///…`; undefined: DOCKER_HOST, else Docker's default. */
  dockerHost: string | undefined;
}

export function parseCliArgs(argv: string[]): CliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      pretty: { type: 'boolean', default: false },
      'parsed-rules': { type: 'boolean', default: false },
      replay: { type: 'string' },
      privilege: { type: 'string', default: 'auto' },
      'docker-netns-dir': { type: 'string', multiple: true },
      timeout: { type: 'string' },
      concurrency: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      'docker-host': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  const privilege = values.privilege as PrivilegeSetting;
  const help = values.help === true;
  if (!help && command !== undefined && !['auto', 'sudo', 'pkexec', 'none'].includes(privilege)) {
    throw new CliUsageError(`--privilege must be auto, sudo, pkexec or none, not ${privilege}`);
  }
  return {
    command,
    rest,
    help,
    json: values.json === true,
    pretty: values.pretty === true,
    parsedRules: values['parsed-rules'] === true,
    replay: values.replay,
    privilege,
    dockerNetnsDirs: values['docker-netns-dir'],
    timeoutMs: help ? undefined : positiveInt(values.timeout, '--timeout'),
    concurrency: help ? undefined : positiveInt(values.concurrency, '--concurrency'),
    passwordStdin: values['password-stdin'] === true,
    dockerHost: values['docker-host'],
  };
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliUsageError(`${flag} takes a positive whole number, not ${value}`);
  return n;
}
