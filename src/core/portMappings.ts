// Derives published ports from DNAT rules by walking the nat table from its hooks, as the kernel would.
import { pathOwner } from './explain/owner';
import type { Rule, Table } from './iptables/types';
import type { Family, NamespaceId, PortMapping, PortSpec } from './model';
import { inCidr, parseCidr } from './net/address';

/** Conditions collected along the chain path: a DNAT deep in KUBE-SEP-* inherits KUBE-SERVICES' `-d` and `--dport`. */
interface PathContext {
  protocol: string | null;
  dst: string | null;
  ports: string[] | null;
  /** Destinations a jump on the way excluded (`! -d 127.0.0.0/8` in Docker's OUTPUT hook). */
  notDst: string[];
}

const HOOKS = ['PREROUTING', 'OUTPUT'] as const;
/** Deeper than any real rule set: guards against pathological or cyclic jumps. */
const MAX_DEPTH = 32;

function positiveArg(rule: Rule, names: readonly string[]): string | null {
  for (const group of rule.matches) {
    for (const opt of group.options) {
      if (!opt.negated && names.includes(opt.name) && opt.args[0] !== undefined) return opt.args[0];
    }
  }
  return null;
}

function ruleContext(rule: Rule, outer: PathContext): PathContext {
  const protocol = positiveArg(rule, ['-p', '--protocol']);
  const dst = positiveArg(rule, ['-d', '--destination']);
  const dport = positiveArg(rule, ['--dport', '--destination-port']);
  const dports = positiveArg(rule, ['--dports', '--destination-ports']);
  const ports = dport !== null ? [dport] : dports !== null ? dports.split(',') : null;
  const excluded = rule.matches.flatMap((g) =>
    g.module === null
      ? g.options
          .filter((o) => o.negated && (o.name === '-d' || o.name === '--destination'))
          .map((o) => o.args[0] ?? '')
      : [],
  );
  return {
    protocol: protocol ?? outer.protocol,
    dst: dst ?? outer.dst,
    ports: ports ?? outer.ports,
    notDst: excluded.length ? [...outer.notDst, ...excluded] : outer.notDst,
  };
}

/** Whether every packet to `dst` (a CIDR) is excluded by one of `notDst`: the path cannot reach such a rule. */
function excludedByPath(dst: string | null, notDst: readonly string[]): boolean {
  if (dst === null) return false;
  const want = parseCidr(dst);
  if (want === null) return false;
  return notDst.some((spec) => {
    const not = parseCidr(spec);
    return not !== null && not.ip.v6 === want.ip.v6 && want.prefix >= not.prefix && inCidr(want.ip, not);
  });
}

/** `30000:30010` (iptables) and `30000-30010` (DNAT) both become `"30000-30010"`; one port becomes a number. */
export function portSpec(text: string | null | undefined): PortSpec {
  if (text === null || text === undefined || text === '') return null;
  // A shifted DNAT range `9000-9010/8000` names the ports it maps to; the base only says how.
  const [lo, hi] = (text.split('/')[0] ?? '').split(/[:-]/);
  if (hi === undefined || hi === lo) return Number(lo);
  return `${lo}-${hi}`;
}

/**
 * Splits a DNAT `--to-destination`: `1.2.3.4`, `1.2.3.4:80`, `1.2.3.4:1000-2000`, `1.1.1.1-1.1.1.9:80`, `[fd00::2]:80`,
 * `fd00::2`.
 */
export function parseToDestination(value: string): { ip: string; port: string | null } {
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    const ip = value.slice(1, close < 0 ? undefined : close);
    const rest = close < 0 ? '' : value.slice(close + 1);
    return { ip, port: rest.startsWith(':') ? rest.slice(1) : null };
  }
  const colons = value.split(':').length - 1;
  if (colons === 1) {
    const [ip = '', port = ''] = value.split(':');
    return { ip, port };
  }
  return { ip: value, port: null }; // bare IPv4, or a bare IPv6 address (several colons, no brackets)
}

function stripHostPrefix(cidr: string): string {
  return cidr.replace(/\/(32|128)$/, '');
}

export function mappingOwner(chainPath: string[], comment: string | null): PortMapping['owner'] {
  return pathOwner(chainPath, comment);
}

/** Port mappings of one namespace's nat table; targets are resolved to namespaces later. */
/** The chain Docker puts its embedded DNS redirect in, inside a container on a user-defined network. */
export const EMBEDDED_DNS_CHAIN = 'DOCKER_OUTPUT';

/** Docker's embedded DNS redirects in a container's nat table: `udp 127.0.0.11:53 → 127.0.0.11:52741`. */
export function embeddedDns(nat: Table): string[] {
  const chain = nat.chains.find((c) => c.name === EMBEDDED_DNS_CHAIN);
  const out: string[] = [];
  for (const rule of chain?.rules ?? []) {
    const to = rule.target?.options.find((o) => o.name === '--to-destination')?.args[0];
    if (to === undefined) continue;
    const text = (name: string) => rule.matches.flatMap((m) => m.options).find((o) => o.name === name)?.args[0];
    const dst = (text('-d') ?? text('--destination') ?? '127.0.0.11').replace(/\/32$/, '');
    out.push(`${text('-p') ?? 'all'} ${dst}:${text('--dport') ?? '53'} → ${to}`);
  }
  return out;
}

export function deriveMappings(nat: Table, namespace: NamespaceId, family: Family): PortMapping[] {
  const chains = new Map(nat.chains.map((c) => [c.name, c]));
  const byKey = new Map<string, PortMapping>();
  const reached = new Set<Rule>();
  const anyAddress = family === 'ipv6' ? '::' : '0.0.0.0';
  const visited = new Set<string>();

  const emit = (rule: Rule, ctx: PathContext, path: string[], hook: string | null): void => {
    // Docker's embedded DNS resolver (127.0.0.11:53 redirected to the daemon's listener, in the container's own
    // DOCKER_OUTPUT chain) publishes nothing: it is the container's resolver, shown with the container instead.
    if (rule.chain === EMBEDDED_DNS_CHAIN) return;
    const to = rule.target?.options.find((o) => o.name === '--to-destination')?.args[0];
    if (to === undefined) return;
    const dest = parseToDestination(to);
    const hostIp = ctx.dst === null ? anyAddress : stripHostPrefix(ctx.dst);
    for (const port of ctx.ports ?? [null]) {
      const hostPort = portSpec(port);
      const key = `${rule.chain}#${rule.index}#${hostIp}#${String(hostPort)}#${ctx.protocol ?? 'all'}`;
      const existing = byKey.get(key);
      if (existing) {
        if (hook !== null && !existing.hooks.includes(hook)) existing.hooks.push(hook);
        continue;
      }
      byKey.set(key, {
        namespace,
        family,
        protocol: ctx.protocol ?? 'all',
        hostIp,
        hostPort,
        targetIp: dest.ip,
        // DNAT without a port keeps the packet's own destination port.
        targetPort: dest.port !== null ? portSpec(dest.port) : hostPort,
        targetNamespace: null,
        targetInterface: null,
        targetPids: [],
        chain: rule.chain,
        chainPath: path,
        hooks: hook === null ? [] : [hook],
        rule: rule.text,
        ruleRef: { table: rule.table, chain: rule.chain, index: rule.index },
        owner: mappingOwner(path, rule.comment),
        comment: rule.comment,
      });
    }
  };

  const walk = (chainName: string, ctx: PathContext, path: string[], hook: string): void => {
    const chain = chains.get(chainName);
    if (!chain || path.length > MAX_DEPTH) return;
    const memo = `${hook}|${chainName}|${ctx.protocol}|${ctx.dst}|${ctx.ports?.join(',')}|${ctx.notDst.join(',')}`;
    if (visited.has(memo)) return;
    visited.add(memo);
    for (const rule of chain.rules) {
      const target = rule.target;
      if (target === null) continue;
      const inner = ruleContext(rule, ctx);
      if (target.name === 'DNAT') {
        // Docker's `-d 127.0.0.1/32` DNAT is not reached from OUTPUT's `! -d 127.0.0.0/8` jump.
        if (excludedByPath(inner.dst, inner.notDst)) continue;
        reached.add(rule);
        emit(rule, inner, path, hook);
      } else if (chains.has(target.name) && !path.includes(target.name)) {
        walk(target.name, inner, [...path, target.name], hook);
      }
    }
  };

  const empty: PathContext = { protocol: null, dst: null, ports: null, notDst: [] };
  for (const hook of HOOKS) walk(hook, empty, [hook], hook);

  // DNAT rules no hook reaches still describe intent (a chain not yet hooked): list them, marked by empty hooks.
  for (const chain of nat.chains) {
    for (const rule of chain.rules) {
      if (rule.target?.name === 'DNAT' && !reached.has(rule)) emit(rule, ruleContext(rule, empty), [chain.name], null);
    }
  }
  return [...byKey.values()];
}
