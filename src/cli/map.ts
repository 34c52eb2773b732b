// `netns-explorer map ls|add|rm|clean`: port mappings from the command line, through the same core and host code as the
// extension.
import { parseArgs } from 'node:util';
import { mappingText, namespaceLabel } from '../core/labels';
import { hostOf } from '../core/net/address';
import { readRuntimes } from '../host/runtimes';
import { resolveNamespace } from '../core/namespaceRef';
import { EVERYTHING, ORPHANS_ONLY } from '../core/mapping/cleanup';
import { describePlan } from '../core/mapping/plan';
import { reachability } from '../core/mapping/rules';
import type { MappingSelector } from '../core/mapping/types';
import {
  checkAddress,
  checkMappingInput,
  checkNamespaceRef,
  checkPort,
  checkProtocol,
  type Checked,
} from '../core/mapping/validate';
import type { DiscoveredNamespace, Discovery, Family, Snapshot } from '../core/model';
import { cellWord } from '../core/reach/render';
import { flipLines, whatIf } from '../core/reach/whatIf';
import { collectTraceExtras } from '../host/trace/collect';
import { cleanLeftovers, removeTables } from '../host/kernel/witness';
import { collectSnapshot } from '../host/collect';
import { DEFAULT_DOCKER_DIRS, discoverNamespaces } from '../host/discovery';
import {
  addMapping,
  cleanUpLeftovers,
  MappingError,
  readMappings,
  removeMapping,
  type MappingResult,
  type MappingTarget,
} from '../host/portMapping/apply';
import { runnerFor, type PrivilegeSetting } from '../host/privilege';
import { formatArgv, type Runner } from '../host/runner';
import { safeText } from './render';

export const MAP_USAGE = `usage:
  netns-explorer map ls  --in NS [--json]
  netns-explorer map add --in NS --host-port P --to IP:PORT [--proto tcp|udp|sctp] [--host-ip A] [--dry-run]
  netns-explorer map rm  --in NS --host-port P [--proto tcp|udp|sctp] [--host-ip A] [--force] [--dry-run]
  netns-explorer map clean [--in NS] [--all] [--dry-run]

  NS is a namespace name (ip netns, Docker sandbox key), an id (inode) or "host".
  --dry-run prints the exact rules and the iptables-restore input without changing anything, and the cells of the
            reachability matrix (netns-explorer reach) the change would flip.
  --force   lets rm delete a mapping Docker or Kubernetes made (they may recreate it).
  clean     removes what an earlier run left broken (hooks to empty or missing chains, chains nothing
            jumps to, rules of a mapping whose DNAT rule is gone), in NS or in every namespace;
            --all also removes every port mapping Netns Explorer made.
  --privilege auto|sudo|pkexec|none, --docker-netns-dir DIR, --docker-host unix:///PATH, --timeout MS as for snapshot.
  NS may be a container name (Docker), an ip netns name, a sandbox key, an id or host.
`;

class MapUsageError extends Error {}

function must<T>(checked: Checked<T>): T {
  if (!checked.ok) throw new MapUsageError(checked.error);
  return checked.value;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      in: { type: 'string' },
      'host-port': { type: 'string' },
      to: { type: 'string' },
      proto: { type: 'string', default: 'tcp' },
      'host-ip': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      privilege: { type: 'string', default: 'auto' },
      'docker-netns-dir': { type: 'string', multiple: true },
      'docker-host': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return { values, positionals };
}

type Values = ReturnType<typeof parse>['values'];

/** Everything checked before any command runs or any namespace is looked up. */
function checkArgs(command: string, values: Values) {
  if (values.in === undefined && command !== 'clean') throw new MapUsageError('--in NS is required');
  const ns = values.in === undefined ? null : must(checkNamespaceRef(values.in));
  const privilege = values.privilege as PrivilegeSetting;
  if (!['auto', 'sudo', 'pkexec', 'none'].includes(privilege))
    throw new MapUsageError(`--privilege must be auto, sudo, pkexec or none, not ${JSON.stringify(privilege)}`);
  const timeoutMs = values.timeout === undefined ? undefined : must(checkPort(values.timeout, '--timeout'));
  if (command === 'ls' || command === 'clean') return { ns, privilege, timeoutMs, spec: null, selector: null };
  if (values['host-port'] === undefined) throw new MapUsageError('--host-port P is required');
  if (command === 'add') {
    if (values.to === undefined) throw new MapUsageError('--to IP:PORT is required');
    const spec = must(
      checkMappingInput({
        protocol: values.proto,
        hostIp: values['host-ip'] ?? null,
        hostPort: values['host-port'],
        to: values.to,
      }),
    );
    return { ns, privilege, timeoutMs, spec, selector: null };
  }
  const protocol = must(checkProtocol(values.proto ?? 'tcp'));
  const hostPort = must(checkPort(values['host-port'], 'host port'));
  const hostIp = values['host-ip'] === undefined ? undefined : must(checkAddress(values['host-ip'], 'host address'));
  const selector: Omit<MappingSelector, 'family'> & { family?: Family } = {
    protocol,
    hostPort,
    hostIp: hostIp?.ip,
    family: hostIp?.family,
  };
  return { ns, privilege, timeoutMs, spec: null, selector };
}

function printResult(result: MappingResult, verb: string, dryRun: boolean): void {
  const lines = describePlan(result.plan);
  if (dryRun) {
    process.stdout.write(
      `would ${verb} ${result.plan.title}:\n${lines.map((l) => `  ${l}`).join('\n')}\n\n${formatArgv(result.argv)} <<'EOF'\n${result.payload}EOF\n`,
    );
    return;
  }
  process.stdout.write(
    `${verb === 'add' ? 'added' : 'removed'} ${result.plan.title} (${result.plan.nft !== undefined ? 'one nft transaction' : `${result.plan.ops.length} rule edits`} in ${result.durationMs} ms):\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
  );
  if (verb === 'add' && result.plan.spec) process.stdout.write(`answers on ${reachability(result.plan.spec)}\n`);
  if (result.plan.needsRouteLocalnet) {
    process.stdout.write(
      'note: a mapping on 127.0.0.1 reaches the container only if the interface towards it has route_localnet=1,\n  e.g. sysctl -w net.ipv4.conf.<bridge>.route_localnet=1 in that namespace\n',
    );
  }
}

/** Flips listed under a dry run; more are counted. */
const FLIPS_SHOWN = 40;

/**
 * `--dry-run` of add and rm: the reachability matrix before and after the plan's edits (on a copy of the rules), and
 * the cells it flips.
 */
async function printWhatIf(
  runner: Runner,
  discovery: Discovery,
  namespace: DiscoveredNamespace,
  plan: MappingResult['plan'],
  /** The snapshot already read (add reads one, with NAT, under --dry-run). */
  read?: Snapshot,
): Promise<void> {
  if (plan.nft !== undefined) {
    process.stdout.write('\nwhat if: not simulated for a native nftables plan\n');
    return;
  }
  const [snapshot, extras] = await Promise.all([
    read ?? collectSnapshot(runner, discovery),
    collectTraceExtras(runner, discovery),
  ]);
  const result = whatIf(snapshot, extras, { namespace: namespace.id, family: plan.family, ops: plan.ops });
  if (result.unsupported) {
    process.stdout.write(`\nwhat if: ${result.unsupported}\n`);
    return;
  }
  const lines = flipLines(result.flips, cellWord);
  process.stdout.write(
    `\nwhat if: ${lines.length ? `${lines.length} cell${lines.length === 1 ? '' : 's'} of the reachability matrix change` : 'no cell of the reachability matrix changes'}\n`,
  );
  for (const line of lines.slice(0, FLIPS_SHOWN)) process.stdout.write(`  ${safeText(line)}\n`);
  if (lines.length > FLIPS_SHOWN) process.stdout.write(`  … and ${lines.length - FLIPS_SHOWN} more\n`);
}

/** Runs `map ...`; returns the exit code (0 done, 1 refused or failed, 2 usage). */
export async function runMapCli(argv: string[]): Promise<number> {
  try {
    return await runMap(argv);
  } catch (err) {
    const usage = err instanceof MapUsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(
      `netns-explorer map: ${safeText((err as Error).message).replace(/\\x0a/g, '\n')}\n${usage ? MAP_USAGE : ''}`,
    );
    return usage ? 2 : 1;
  }
}

async function runMap(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (values.help) {
    process.stdout.write(MAP_USAGE);
    return 0;
  }
  if (command === undefined || !['ls', 'add', 'rm', 'clean'].includes(command))
    throw new MapUsageError(
      command === undefined ? 'map needs ls, add, rm or clean' : `unknown map command: ${JSON.stringify(command)}`,
    );
  if (rest.length) throw new MapUsageError(`unexpected argument: ${JSON.stringify(rest[0])}`);
  const checked = checkArgs(command, values);

  const { runner } = await runnerFor({ privilege: checked.privilege, timeoutMs: checked.timeoutMs });
  const discovery = await discoverNamespaces({ dockerDirs: values['docker-netns-dir'] ?? DEFAULT_DOCKER_DIRS });
  const dryRun = values['dry-run'] ?? false;
  if (command === 'clean' && checked.ns === null)
    return clean(runner, discovery.namespaces, values.all ?? false, dryRun);
  // A container name works too (`--in redis`): the runtime names it, the kernel identity (inode) finds it.
  const runtimes = await readRuntimes({ dockerHost: values['docker-host'] });
  const named = discovery.namespaces.map((n) => ({
    ...n,
    containerNames: runtimes.containers.filter((c) => c.namespace === n.id).map((c) => c.name),
  }));
  const found = resolveNamespace(named, checked.ns!);
  if (typeof found === 'string') throw new MapUsageError(found);
  const namespace = discovery.namespaces.find((n) => n.id === found.id)!;
  if (command === 'clean') return clean(runner, [namespace], values.all ?? false, dryRun);
  const target: MappingTarget = { runner, namespace };

  if (command === 'ls') {
    const out = await readMappings(target);
    if (values.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else
      for (const m of out)
        process.stdout.write(
          `${safeText(mappingText(m))}  ${m.owner}  ${m.chain}${m.hooks.length ? '' : '  (not reached)'}\n`,
        );
    return 0;
  }

  try {
    if (command === 'add' && checked.spec) {
      const spec = checked.spec;
      // The target must be an address that exists in some namespace. A dry run's what-if needs the rules too: one read.
      const snapshot = await collectSnapshot(runner, discovery, dryRun ? {} : { skipNat: true });
      const exists = snapshot.namespaces.some((ns) =>
        ns.interfaces.some((i) => i.addresses.some((a) => hostOf(a) === spec.targetIp)),
      );
      if (!exists) throw new MappingError('not-found', `no namespace has the address ${spec.targetIp}`);
      const added = await addMapping(target, spec, { dryRun });
      printResult(added, 'add', dryRun);
      if (dryRun) await printWhatIf(runner, discovery, namespace, added.plan, snapshot);
      return 0;
    }
    const partial = checked.selector!;
    const families: Family[] = partial.family ? [partial.family] : ['ipv4', 'ipv6'];
    for (const [i, family] of families.entries()) {
      try {
        const removed = await removeMapping(target, { ...partial, family }, { dryRun, allowForeign: values.force });
        printResult(removed, 'remove', dryRun);
        if (dryRun) await printWhatIf(runner, discovery, namespace, removed.plan);
        return 0;
      } catch (e) {
        if (!(e instanceof MappingError && e.kind === 'not-found' && i < families.length - 1)) throw e;
      }
    }
    return 1;
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    const hint = e.kind === 'foreign' ? '\nrun again with --force to delete it anyway' : '';
    process.stderr.write(
      `netns-explorer map: ${e.kind === 'conflict' ? 'refused: ' : ''}${safeText(e.message).replace(/\\x0a/g, '\n')}${hint}\n`,
    );
    return 1;
  }
}

/**
 * `map clean`: each namespace and family on its own (one atomic apply each); a failure is said and the rest still run.
 */
async function clean(
  runner: Runner,
  namespaces: DiscoveredNamespace[],
  all: boolean,
  dryRun: boolean,
): Promise<number> {
  let failed = false;
  let found = false;
  // What a killed `trace --kernel` left: its tracing tables (any namespace) and its monitors.
  if (!dryRun) {
    const taken = [...(await cleanLeftovers(runner)), ...(await removeTables(runner, namespaces))];
    for (const what of taken) process.stdout.write(`removed ${safeText(what)} (left by trace --kernel)\n`);
    found = taken.length > 0;
  }
  for (const namespace of namespaces) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const where = `${safeText(namespaceLabel(namespace))} (${family})`;
      try {
        const result = await cleanUpLeftovers({ runner, namespace }, family, all ? EVERYTHING : ORPHANS_ONLY, {
          dryRun,
        });
        if (!result) continue;
        found = true;
        process.stdout.write(`${where}: `);
        printResult(result, 'remove', dryRun);
      } catch (e) {
        failed = true;
        process.stderr.write(
          `netns-explorer map: ${where}: ${safeText((e as Error).message).replace(/\\x0a/g, '\n')}\n`,
        );
      }
    }
  }
  if (!found && !failed) process.stdout.write(`no ${all ? '' : 'broken '}leftovers of Netns Explorer found\n`);
  return failed ? 1 : 0;
}
