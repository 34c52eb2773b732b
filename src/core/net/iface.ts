// Interface names as iptables and nftables patterns match them.

/** `eth+` matches every name starting with `eth`, as iptables does; anything else matches exactly. */
export function interfaceMatches(pattern: string, name: string | null): boolean {
  if (name === null) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** nft's form: `eth*` matches every name starting with `eth`; `\*` is a literal star. */
export function nftInterfaceMatches(pattern: string, name: string | null): boolean {
  if (name === null) return false;
  if (pattern.endsWith('\\*')) return `${pattern.slice(0, -2)}*` === name;
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}
