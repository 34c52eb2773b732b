// Turns untrusted text (rule comments, interface and container names) into Markdown that renders literally.

/**
 * Characters that would be invisible or reorder text when rendered: C0/C1 controls, DEL,
 * bidi embeddings/overrides/isolates and marks, zero-width characters, line and paragraph
 * separators. A hover must show `re\u200Bdis` as such, not as a second "redis".
 */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

/** Every ASCII punctuation character: CommonMark lets a backslash escape each, and renders it literally. */
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

const BACKTICK_RUN = /`+/g;

/** `\n`, `\r` or `\u202E`: a visible stand-in for an invisible character. */
function visibleEscape(char: string): string {
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  return `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Replaces invisible characters by visible escapes; `keep` lists the ones left alone. */
function showInvisible(text: string, keep = ''): string {
  return text.replace(INVISIBLE, (char) => (keep.includes(char) ? char : visibleEscape(char)));
}

/** Plain text (a notification, a quick pick) with every invisible or reordering character shown as an escape. */
export function visibleText(text: string): string {
  return showInvisible(text);
}

/**
 * Markdown that renders exactly `text`, as one line of inline text. Every ASCII punctuation
 * character is backslash-escaped, so nothing can form emphasis, links, images, autolinks
 * (`http:`, `www.`, `a@b.c`, `command:`), HTML, entities, tables, headings, lists, quotes or
 * `$(icon)` theme icons. Tabs become spaces; newlines and other invisible characters become
 * visible escapes (`\n`, `\u202E`), so the text cannot start a new block. A leading space is
 * written as an entity so four of them cannot open an indented code block. Not for link
 * destinations or titles.
 */
export function escapeMarkdown(text: string): string {
  const escaped = showInvisible(text.replace(/\t/g, ' ')).replace(ASCII_PUNCTUATION, '\\$&');
  return escaped.startsWith(' ') ? `&#32;${escaped.slice(1)}` : escaped;
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(BACKTICK_RUN) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * A fenced code block showing `text` verbatim (newlines and tabs kept). The fence is longer
 * than any backtick run in the text, so no line of it can close the block early; other
 * invisible characters are shown as escapes so bidi overrides cannot disguise a rule.
 * `lang` is reduced to the characters an info string needs.
 */
export function codeBlock(text: string, lang = ''): string {
  const body = showInvisible(text.replace(/\r\n/g, '\n'), '\n\t');
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return `${fence}${lang.replace(/[^A-Za-z0-9_+-]/g, '')}\n${body}\n${fence}`;
}

/**
 * An inline code span showing `text` verbatim, tabs included. Newlines become visible escapes:
 * a blank line would otherwise end the paragraph and leave the span open. In a GFM table cell
 * a `|` still splits the cell, so use escapeMarkdown there.
 */
export function inlineCode(text: string): string {
  const body = showInvisible(text, '\t');
  if (body === '') return '` `'; // an empty span is not a code span at all
  const ticks = '`'.repeat(longestBacktickRun(body) + 1);
  // CommonMark strips one space from each side when both are there: pad so the text survives.
  const pad = body.startsWith('`') || body.endsWith('`') || /^ .*[^ ].* $/s.test(body) ? ' ' : '';
  return `${ticks}${pad}${body}${pad}${ticks}`;
}

/**
 * Text for a VS Code notification. Notifications turn `[text](https://…)`, `(command:…)` and
 * `(file:…)` into links, so a namespace name or a tool's message holding one would become a
 * clickable command. A space after every `]` keeps the text readable and makes no link.
 */
export function plainNotice(text: string): string {
  return text.replace(/\]\s*\(/g, '] (');
}
