// Reading sets and maps as rules use them: the values a set holds, and the [key, data] entries of a map, whether
// named (`@service-ips`) or anonymous (`{ 0 : goto a, 1 : goto b }`).
import { isObj, kindOf } from './print';
import type { NftJson, NftSet } from './types';

/** The values on a right side: one value, an anonymous set, or a named set's elements (none when it is unknown). */
export function setValues(right: NftJson, sets: ReadonlyMap<string, NftSet>): NftJson[] {
  if (typeof right === 'string' && right.startsWith('@'))
    return sets.get(right.slice(1))?.elements.map((e) => e.key) ?? [];
  if (Array.isArray(right)) return right;
  const k = kindOf(right);
  if (k?.[0] === 'set') return Array.isArray(k[1]) ? k[1] : [k[1]];
  if (k?.[0] === 'elem' && isObj(k[1])) return [k[1].val ?? null];
  return [right];
}

/** A map's entries as [key, data]; null when it cannot be read (a named map that is not there, or no map at all). */
export function mapEntries(data: NftJson, sets: ReadonlyMap<string, NftSet>): [NftJson, NftJson][] | null {
  if (typeof data === 'string' && data.startsWith('@')) {
    const set = sets.get(data.slice(1));
    return set ? set.elements.map((e) => [e.key, e.data ?? null]) : null;
  }
  const k = kindOf(data);
  const items = k?.[0] === 'set' && Array.isArray(k[1]) ? k[1] : Array.isArray(data) ? data : null;
  if (items === null) return null;
  return items.flatMap((e) =>
    Array.isArray(e) && e.length === 2 ? [[e[0] ?? null, e[1] ?? null] as [NftJson, NftJson]] : [],
  );
}
