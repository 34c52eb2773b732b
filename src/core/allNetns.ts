// Splits the output of `ip -all netns exec CMD` into one text per namespace.
//
// `ip -all netns exec` runs CMD once in every namespace named in /run/netns, one after the other,
// and prints "\nnetns: NAME\n" before each one's output. One such process replaces a spawn per
// namespace from the (large) Node process, which is what a snapshot of hundreds of namespaces
// spends most of its time on (see bench/RESULTS.md).
//
// The header is only trusted when it cannot be forged or confused: names must not contain a
// newline (the caller falls back to one command per namespace otherwise), and every header must
// name a namespace we know, exactly once. A rule comment holding "\n\nnetns: other\n" (possible
// from inside a container with NET_ADMIN) would repeat a header or name an unknown namespace,
// so the whole split is refused and the caller reads each namespace on its own.

export type AllNetnsSplit = { ok: true; sections: Map<string, string> } | { ok: false; reason: string };

const HEADER = 'netns: ';

/**
 * `known` holds every name in /run/netns that discovery saw; a header naming anything else, or
 * naming one twice, refuses the split. Names in `known` that have no header are simply absent
 * from `sections` (deleted meanwhile, or not reached): the caller reads those on their own.
 */
export function splitAllNetnsOutput(text: string, known: ReadonlySet<string>): AllNetnsSplit {
  const sections = new Map<string, string>();
  // The first header starts the text: "\nnetns: a\n...". Every later one follows a newline that
  // ends the previous namespace's output (or its empty output) and is preceded by an empty line.
  if (text === '') return { ok: true, sections };
  if (!text.startsWith(`\n${HEADER}`)) return { ok: false, reason: 'output does not start with a namespace header' };
  let pos = 1;
  while (pos < text.length) {
    const nameEnd = text.indexOf('\n', pos);
    if (nameEnd < 0) return { ok: false, reason: 'truncated namespace header' };
    const name = text.slice(pos + HEADER.length, nameEnd);
    if (!known.has(name)) return { ok: false, reason: 'a header names an unknown namespace' };
    if (sections.has(name)) return { ok: false, reason: `namespace ${JSON.stringify(name)} appears twice` };
    const next = text.indexOf(`\n\n${HEADER}`, nameEnd);
    // The next header's "\n\n" is this section's final newline plus the header's own newline,
    // or, for an empty section, just the header's newline right after the previous header.
    if (next === nameEnd) {
      sections.set(name, '');
      pos = nameEnd + 2;
      continue;
    }
    const end = next < 0 ? text.length : next + 1;
    sections.set(name, text.slice(nameEnd + 1, end));
    pos = next < 0 ? text.length : next + 2;
  }
  // A line that looks like a header but was not split on (output without a final newline, or a
  // forged one) means the sections can't be trusted.
  let headerLines = 0;
  for (let i = text.indexOf(`\n${HEADER}`); i >= 0; i = text.indexOf(`\n${HEADER}`, i + 1)) headerLines++;
  if (headerLines !== sections.size)
    return { ok: false, reason: 'a line inside the output looks like a namespace header' };
  return { ok: true, sections };
}
