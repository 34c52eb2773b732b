// Applies the view filter (hide loopback, hide down interfaces, search) to namespaces and interfaces.
import type { Namespace, NetInterface, Snapshot } from '../../core/model';
import { namespaceMatches, needleOf } from '../../core/search';
import { isDown } from './items/interfaceItem';

export interface ViewFilter {
  hideLoopback: boolean;
  hideDown: boolean;
  /** Case-insensitive text matched against names and addresses. */
  search: string;
}

export const NO_FILTER: ViewFilter = { hideLoopback: false, hideDown: false, search: '' };

export function interfaceVisible(i: NetInterface, f: ViewFilter): boolean {
  if (f.hideLoopback && i.kind === 'loopback') return false;
  if (f.hideDown && isDown(i)) return false;
  return true;
}

function matches(text: string, needle: string): boolean {
  return text.toLowerCase().includes(needle);
}

export function interfaceMatches(i: NetInterface, needle: string): boolean {
  return matches(i.name, needle) || i.addresses.some((a) => matches(a, needle));
}

/**
 * A namespace shows when its label, a process in it, one of its interfaces' names or addresses, or a port published
 * to or from it matches (core/search.ts: the same matching in every view and the topology).
 */
export function namespaceVisible(ns: Namespace, f: ViewFilter, snapshot?: Pick<Snapshot, 'portMappings'>): boolean {
  return namespaceMatches(ns, needleOf(f.search), snapshot);
}
