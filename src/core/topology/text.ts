// Display text for the picture: untrusted names made single-line and short; addresses without link-local noise.
import type { NetInterface } from '../model';

/** Control, bidi and zero-width characters: shown as a visible stand-in so a label cannot reorder or hide text. */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

export const MAX_LABEL = 40;

/** One line of at most `max` characters (code points), ending in `…` when cut. */
export function displayName(text: string, max = MAX_LABEL): string {
  const chars = [...text.replace(INVISIBLE, '\ufffd')];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** Addresses worth printing on a label: no IPv6 link-local. */
export function shownAddresses(addresses: readonly string[]): string[] {
  return addresses.filter((a) => !a.toLowerCase().startsWith('fe80:'));
}

/** At most `max` addresses, then `+N`. */
export function addressLine(addresses: readonly string[], max = 2): string {
  const shown = shownAddresses(addresses);
  return shown.length > max ? `${shown.slice(0, max).join(' ')} +${shown.length - max}` : shown.join(' ');
}

/** The tree's notion of down: operstate DOWN or LOWERLAYERDOWN, or administratively not UP. */
export const isDown = (i: NetInterface): boolean =>
  i.state === 'DOWN' || i.state === 'LOWERLAYERDOWN' || !i.flags.includes('UP');

export function hostPortText(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
