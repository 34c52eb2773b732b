// Tooltip Markdown (as the tree builds it with escapeMarkdown) turned back into plain-text blocks the page renders as
// text.

export type DetailBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'field'; label: string; value: string }
  | { kind: 'item'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'text'; text: string };

/** Undoes escapeMarkdown: backslash-escaped punctuation and the entity for a leading space. */
export function unescapeMarkdown(text: string): string {
  return text.replace(/^&#32;/, ' ').replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/**
 * Reads the small Markdown subset the tree tooltips use: `### heading`, `**Label:** value` lines,
 * `- item` lists, fenced code, plain paragraphs. Anything else is kept as plain text: nothing here
 * is ever interpreted as HTML.
 */
export function detailBlocks(markdown: string): DetailBlock[] {
  const out: DetailBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(`{3,})/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== fence[1]; i++) body.push(lines[i]!);
      out.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const trimmed = line.replace(/ {2}$/, '').trimEnd();
    if (!trimmed.trim()) continue;
    const heading = /^#{1,6} (.*)$/.exec(trimmed);
    const field = /^\*\*(.+?):\*\*(?: (.*))?$/.exec(trimmed.trim());
    const item = /^- (.*)$/.exec(trimmed);
    if (heading) out.push({ kind: 'heading', text: unescapeMarkdown(heading[1]!) });
    else if (field) out.push({ kind: 'field', label: field[1]!.trim(), value: unescapeMarkdown(field[2] ?? '') });
    else if (item) out.push({ kind: 'item', text: unescapeMarkdown(item[1]!) });
    else out.push({ kind: 'text', text: unescapeMarkdown(trimmed) });
  }
  return out;
}
