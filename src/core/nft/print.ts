// nft's JSON expressions printed back in nft's own syntax, as `nft list ruleset` shows them. What this printer does
// not know is printed as its JSON, so nothing is hidden.
import type { NftJson } from './types';

type Obj = { [key: string]: NftJson };

export function isObj(v: NftJson | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The one key of a `{ "kind": body }` object, and its body; null for anything else. */
export function kindOf(v: NftJson | undefined): [string, NftJson] | null {
  if (!isObj(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1) return null;
  const k = keys[0] as string;
  return [k, v[k] as NftJson];
}

export const str = (v: NftJson | undefined): string | null => (typeof v === 'string' ? v : null);
export const num = (v: NftJson | undefined): number | null => (typeof v === 'number' ? v : null);

/** Meta keys nft prints without `meta ` in front. */
const BARE_META = new Set(['iif', 'oif', 'iifname', 'oifname', 'iiftype', 'oiftype', 'iifgroup', 'oifgroup', 'mark']);
const NAME_KEYS = new Set(['iifname', 'oifname']);
const BIT_OPS = new Set(['&', '|', '^', '<<', '>>']);

/** Strings nft prints quoted: interface names (they may hold wildcards) and anything with blanks or quotes. */
function quoted(s: string, name: boolean): string {
  return name || /[\s"{}]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

/** The expression whose values the right side of a match holds: interface names print quoted. */
function namesOn(left: NftJson): boolean {
  const k = kindOf(left);
  return k !== null && k[0] === 'meta' && isObj(k[1]) && NAME_KEYS.has(str(k[1].key) ?? '');
}

/** A number as nft prints the operands and results of bit operations. */
export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

export function printExpr(e: NftJson, names = false): string {
  if (e === null) return 'null';
  if (typeof e === 'string') return e.startsWith('@') ? e : quoted(e, names);
  if (typeof e === 'number' || typeof e === 'boolean') return String(e);
  // A plain list is a flag list (`ct state established,related`); an anonymous set is `{"set": […]}`.
  if (Array.isArray(e)) return e.map((x) => printExpr(x, names)).join(',');
  const k = kindOf(e);
  if (k === null) return JSON.stringify(e);
  const [kind, body] = k;
  const b: Obj = isObj(body) ? body : {};
  switch (kind) {
    case 'payload':
      if (str(b.protocol) !== null) return `${str(b.protocol)} ${str(b.field) ?? '?'}`;
      return `@${str(b.base) ?? '?'},${num(b.offset) ?? '?'},${num(b.len) ?? '?'}`;
    case 'meta': {
      const key = str(b.key) ?? '?';
      return BARE_META.has(key) ? (key === 'mark' ? 'meta mark' : key) : `meta ${key}`;
    }
    case 'ct':
      return ['ct', str(b.family), str(b.dir), str(b.key) ?? '?'].filter(Boolean).join(' ');
    case 'fib': {
      const flags = Array.isArray(b.flags) ? b.flags : [b.flags];
      return `fib ${flags.filter((f) => typeof f === 'string').join(' . ')} ${str(b.result) ?? '?'}`;
    }
    case 'prefix':
      return `${printExpr(b.addr ?? null)}/${num(b.len) ?? '?'}`;
    case 'range':
      return Array.isArray(body) ? body.map((x) => printExpr(x, names)).join('-') : JSON.stringify(e);
    case 'set': {
      // A map's elements are [key, data] pairs: `{ 0 : goto a, 1 : goto b }`.
      const items = Array.isArray(body) ? body : [body];
      const item = (x: NftJson) =>
        Array.isArray(x) && x.length === 2
          ? `${printExpr(x[0] ?? null, names)} : ${printExpr(x[1] ?? null)}`
          : printExpr(x, names);
      return `{ ${items.map(item).join(', ')} }`;
    }
    case 'concat':
      return Array.isArray(body) ? body.map((x) => printExpr(x, names)).join(' . ') : JSON.stringify(e);
    case 'elem':
      return printExpr(b.val ?? null, names);
    case 'map':
      return `${printExpr(b.key ?? null)} map ${printExpr(b.data ?? null)}`;
    case 'numgen':
      return `numgen ${str(b.mode) ?? 'inc'} mod ${num(b.mod) ?? '?'}${num(b.offset) ? ` offset ${num(b.offset)}` : ''}`;
    case 'jhash':
    case 'symhash':
      return `${kind}${b.expr !== undefined ? ` ${printExpr(b.expr)}` : ''} mod ${num(b.mod) ?? '?'}`;
    case 'socket':
    case 'rt':
    case 'osf':
      return `${kind} ${str(b.key) ?? ''}`.trim();
    case 'tcp option':
      return `tcp option ${str(b.name) ?? '?'}${b.field !== undefined ? ` ${str(b.field)}` : ''}`;
    case 'exthdr':
      return `exthdr ${str(b.name) ?? '?'}${b.field !== undefined ? ` ${str(b.field)}` : ''}`;
    case '&':
    case '|':
    case '^':
    case '<<':
    case '>>':
      // nft prints the operands of bit operations in hex, eight digits: `meta mark & 0x00004000`.
      return Array.isArray(body)
        ? body.map((x) => (typeof x === 'number' ? hex(x) : printExpr(x))).join(` ${kind} `)
        : JSON.stringify(e);
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
      return kind;
    case 'jump':
    case 'goto':
      return `${kind} ${str(b.target) ?? '?'}`;
    default:
      return JSON.stringify(e);
  }
}

function natTarget(b: Obj): string {
  const addr = b.addr !== undefined ? printExpr(b.addr) : '';
  const port = b.port !== undefined ? printExpr(b.port) : '';
  const fam = str(b.family);
  const to =
    addr !== ''
      ? port !== ''
        ? `${addr.includes(':') && !addr.includes(' ') ? `[${addr}]` : addr}:${port}`
        : addr
      : port !== ''
        ? `:${port}`
        : '';
  return `${fam ? `${fam} ` : ''}${to ? `to ${to}` : ''}`.trim();
}

function flagsText(b: Obj): string {
  const f = b.flags;
  const list = Array.isArray(f)
    ? f.filter((x): x is string => typeof x === 'string')
    : typeof f === 'string'
      ? [f]
      : [];
  return list.join(',');
}

export function printStatement(s: NftJson): string {
  const k = kindOf(s);
  if (k === null) return JSON.stringify(s);
  const [kind, body] = k;
  const b: Obj = isObj(body) ? body : {};
  switch (kind) {
    case 'match': {
      const left = b.left ?? null;
      const op = str(b.op) ?? '==';
      const l = printExpr(left);
      // After a bit operation nft writes the operator and the value in hex: `meta mark & 0x00004000 == 0x00000000`.
      if (BIT_OPS.has(kindOf(left)?.[0] ?? '')) {
        const r = b.right;
        return `${l} ${op === 'in' ? '==' : op} ${typeof r === 'number' ? hex(r) : printExpr(r ?? null)}`;
      }
      const right = printExpr(b.right ?? null, namesOn(left));
      return op === '==' || op === 'in' ? `${l} ${right}` : `${l} ${op} ${right}`;
    }
    case 'counter':
      return typeof body === 'string' ? `counter name ${body}` : 'counter';
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
    case 'notrack':
      return kind;
    case 'jump':
    case 'goto':
      return `${kind} ${str(b.target) ?? '?'}`;
    case 'reject': {
      const type = str(b.type);
      const expr = b.expr !== undefined ? printExpr(b.expr) : null;
      if (type === 'tcp reset') return 'reject with tcp reset';
      // nft leaves out its default: an ICMP port unreachable.
      if (expr === null || expr === 'port-unreachable') return 'reject';
      return `reject with ${type ?? 'icmpx'}${expr ? ` ${expr}` : ''}`;
    }
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
      return [kind, natTarget(b), flagsText(b)].filter(Boolean).join(' ');
    case 'vmap':
      return `${printExpr(b.key ?? null)} vmap ${printExpr(b.data ?? null)}`;
    case 'mangle':
      return `${printExpr(b.key ?? null)} set ${printExpr(b.value ?? null)}`;
    case 'log':
      return `log${str(b.prefix) !== null ? ` prefix ${JSON.stringify(b.prefix)}` : ''}${b.group !== undefined ? ` group ${printExpr(b.group)}` : ''}`;
    case 'limit':
      return `limit rate ${num(b.rate) ?? '?'}/${str(b.per) ?? 'second'}${num(b.burst) ? ` burst ${num(b.burst)} packets` : ''}`;
    case 'queue':
      return `queue${b.num !== undefined ? ` num ${printExpr(b.num)}` : ''}`;
    case 'set':
      return `${str(b.op) ?? 'add'} ${printExpr(b.set ?? null)} { ${printExpr(b.elem ?? null)} }`;
    case 'xt':
      return `xt ${str(b.type) ?? 'match'} ${JSON.stringify(str(b.name) ?? '?')}`;
    default:
      return JSON.stringify(s);
  }
}

/** A rule's statements in nft syntax, with its comment as nft prints it. */
export function printRule(expr: readonly NftJson[], comment: string | null): string {
  const text = expr.map(printStatement).join(' ');
  return comment === null ? text : `${text} comment ${JSON.stringify(comment)}`;
}
