// Published ports from native nftables: walks every nat base chain at prerouting and output through jumps, gotos and
// verdict-map entries, carrying the destination, protocol and port conditions down, as portMappings.ts does for
// iptables. Docker 29's, kube-proxy's, Netavark's and firewalld's layouts come out of the same walk; no rule text is
// matched.
import { pathOwner, type RuleOwner } from '../explain/owner';
import type { Family, NamespaceId, PortMapping } from '../model';
import { isV6 } from '../net/address';
import { portSpec } from '../portMappings';
import { mapEntries, setValues } from './maps';
import { isObj, kindOf, num, printExpr, str } from './print';
import type { NftChain, NftJson, NftRule, NftSet, NftTable } from './types';

interface PathContext {
  protocol: string | null;
  dst: string | null;
  ports: string[] | null;
  /** The packet family the path is limited to (`meta nfproto`, an `ip`/`ip6` match in an inet table). */
  family: Family | null;
}

const MAX_DEPTH = 32;
const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '132': 'sctp', '136': 'udplite' };

/** Who wrote a native table, by its name (Docker 29, kube-proxy, Netavark, firewalld, ours). */
export function tableOwner(name: string): RuleOwner {
  if (/^docker/.test(name)) return 'docker';
  if (name === 'kube-proxy' || /^kube/.test(name)) return 'kubernetes';
  if (name === 'netavark' || /^podman/.test(name)) return 'podman';
  if (name === 'firewalld') return 'firewalld';
  if (name === 'netns-explorer') return 'netns-explorer';
  return 'unknown';
}

function protoName(v: NftJson): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return PROTOCOL_NAMES[String(v)] ?? String(v);
  return null;
}

function portText(v: NftJson): string | null {
  if (typeof v === 'number') return String(v);
  const k = kindOf(v);
  if (k?.[0] === 'range' && Array.isArray(k[1])) return k[1].map((x) => String(num(x) ?? '?')).join('-');
  return null;
}

function addrText(v: NftJson): string | null {
  if (typeof v === 'string' && !v.startsWith('@')) return v;
  const k = kindOf(v);
  if (k?.[0] === 'prefix' && isObj(k[1])) return `${str(k[1].addr) ?? '?'}/${num(k[1].len) ?? '?'}`;
  return null;
}

/** What one expression on a match's left side contributes when the right side is `value`. */
function bind(ctx: PathContext, left: NftJson, value: NftJson): PathContext | null {
  const field = printExpr(left);
  switch (field) {
    case 'ip daddr':
    case 'ip6 daddr': {
      const a = addrText(value);
      return a === null ? ctx : { ...ctx, dst: a, family: field === 'ip daddr' ? 'ipv4' : 'ipv6' };
    }
    case 'meta l4proto':
    case 'ip protocol':
    case 'ip6 nexthdr':
      return { ...ctx, protocol: protoName(value) ?? ctx.protocol };
    case 'tcp dport':
    case 'udp dport':
    case 'sctp dport':
    case 'th dport': {
      const port = portText(value);
      const protocol = field === 'th dport' ? ctx.protocol : (field.split(' ')[0] ?? null);
      return { ...ctx, protocol, ports: port === null ? ctx.ports : [port] };
    }
    case 'meta nfproto':
      return value === 'ipv4' || value === 'ipv6' ? { ...ctx, family: value } : ctx;
    default:
      return ctx;
  }
}

/** The contexts a rule's positive matches lead to: one per value of a set it tests (`tcp dport { 80, 443 }`). */
function ruleContexts(rule: NftRule, outer: PathContext, sets: ReadonlyMap<string, NftSet>): PathContext[] {
  let out = [outer];
  for (const s of rule.expr) {
    const k = kindOf(s);
    const m = k?.[0] === 'match' && isObj(k[1]) ? k[1] : null;
    if (m === null) continue;
    const op = str(m.op) ?? '==';
    // `ip daddr != …` narrows nothing a mapping row can show.
    if (op === '==' || op === 'in') out = out.flatMap((c) => matchContexts(c, m.left ?? null, m.right ?? null, sets));
  }
  return out;
}

/**
 * The contexts `left` equal to one of `right`'s values leads to: one per value, a concatenation bound part by part
 * (`ip daddr . meta l4proto . th dport` against `10.96.0.10 . tcp . 80`). A verdict map's key binds the same way.
 */
function matchContexts(
  c: PathContext,
  left: NftJson,
  right: NftJson,
  sets: ReadonlyMap<string, NftSet>,
): PathContext[] {
  const lk = kindOf(left);
  const parts = lk?.[0] === 'concat' && Array.isArray(lk[1]) ? lk[1] : null;
  return setValues(right, sets).map((v) => {
    if (parts === null) return bind(c, left, v) ?? c;
    const k = kindOf(v);
    const values = k?.[0] === 'concat' && Array.isArray(k[1]) ? k[1] : [];
    return parts.reduce<PathContext>((acc, part, i) => bind(acc, part, values[i] ?? null) ?? acc, c);
  });
}

/** A verdict's chain (`jump X`, `goto X`), or null. */
function verdictTarget(v: NftJson): string | null {
  const k = kindOf(v);
  return (k?.[0] === 'jump' || k?.[0] === 'goto') && isObj(k[1]) ? str(k[1].target) : null;
}

/** Port mappings of one namespace's native tables; targets are resolved to namespaces later. */
export function nftMappings(tables: readonly NftTable[], namespace: NamespaceId): PortMapping[] {
  const out = new Map<string, PortMapping>();
  for (const table of tables) {
    const chains = new Map(table.chains.map((c) => [c.name, c]));
    const sets = new Map(table.sets.map((s) => [s.name, s]));
    const tableFamily: Family | null = table.family === 'ip' ? 'ipv4' : table.family === 'ip6' ? 'ipv6' : null;
    const visited = new Set<string>();
    const emit = (rule: NftRule, stmt: { [k: string]: NftJson }, ctx: PathContext, path: string[], hook: string) => {
      const to = stmt.addr === undefined ? null : addrText(stmt.addr);
      if (to === null || to.includes('/')) return;
      const family: Family = ctx.family ?? tableFamily ?? (str(stmt.family) === 'ip6' || isV6(to) ? 'ipv6' : 'ipv4');
      const hostIp = ctx.dst === null ? (family === 'ipv6' ? '::' : '0.0.0.0') : ctx.dst.replace(/\/(32|128)$/, '');
      const toPort = stmt.port === undefined ? null : portText(stmt.port);
      for (const port of ctx.ports ?? [null]) {
        const hostPort = portSpec(port);
        const key = `${table.key}#${rule.chain}#${rule.index}#${hostIp}#${String(hostPort)}#${ctx.protocol ?? 'all'}`;
        const seen = out.get(key);
        if (seen) {
          if (!seen.hooks.includes(hook)) seen.hooks.push(hook);
          continue;
        }
        const owner = tableOwner(table.name);
        out.set(key, {
          namespace,
          family,
          protocol: ctx.protocol ?? 'all',
          hostIp,
          hostPort,
          targetIp: to,
          targetPort: toPort !== null ? portSpec(toPort) : hostPort,
          targetNamespace: null,
          targetInterface: null,
          targetPids: [],
          chain: rule.chain,
          chainPath: path,
          hooks: [hook],
          rule: rule.text,
          ruleRef: { table: table.key, chain: rule.chain, index: rule.index },
          owner: owner === 'unknown' ? pathOwner(path, rule.comment) : owner,
          comment: rule.comment,
        });
      }
    };
    const walk = (chain: NftChain, ctx: PathContext, path: string[], hook: string): void => {
      if (path.length > MAX_DEPTH) return;
      const memo = `${hook}|${chain.name}|${ctx.protocol}|${ctx.dst}|${ctx.ports?.join(',')}|${ctx.family}`;
      if (visited.has(memo)) return;
      visited.add(memo);
      for (const rule of chain.rules) {
        for (const inner of ruleContexts(rule, ctx, sets)) {
          for (const s of rule.expr) {
            const k = kindOf(s);
            if (k === null || !isObj(k[1])) continue;
            const [kind, b] = k;
            const follow = (target: string | null, c: PathContext) => {
              const next = target === null ? undefined : chains.get(target);
              if (next && !path.includes(next.name)) walk(next, c, [...path, next.name], hook);
            };
            if (kind === 'dnat') emit(rule, b, inner, path, hook);
            else if (kind === 'jump' || kind === 'goto') follow(str(b.target), inner);
            else if (kind === 'vmap') {
              const entries = mapEntries(b.data ?? null, sets) ?? [];
              for (const [key, verdict] of entries) {
                for (const c of matchContexts(inner, b.key ?? null, key, sets)) follow(verdictTarget(verdict), c);
              }
            }
          }
        }
      }
    };
    if (table.iptables) continue;
    for (const chain of table.chains) {
      const base = chain.base;
      if (base === null || base.type !== 'nat' || (base.hook !== 'prerouting' && base.hook !== 'output')) continue;
      const hook = base.hook.toUpperCase();
      walk(chain, { protocol: null, dst: null, ports: null, family: tableFamily }, [chain.name], hook);
    }
  }
  return [...out.values()];
}
