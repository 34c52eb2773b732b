// Untrusted text through escapeMarkdown, codeBlock and inlineCode renders literally: no links, images, HTML or blocks.
import { strict as assert } from 'node:assert';
import { codeBlock, escapeMarkdown, inlineCode, plainNotice } from '../../src/core/markdown';

interface MarkdownRenderer {
  render(source: string): string;
}

/**
 * markdown-it (a devDependency: CommonMark with GFM tables and strikethrough; HTML and bare-URL
 * linking switched on to be stricter than VS Code) renders what the escaping produced.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const renderer = (require('markdown-it') as (options: object) => MarkdownRenderer)({ html: true, linkify: true });

function render(this: Mocha.Context, source: string): string {
  return renderer.render(source);
}

function decodeHtml(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

/** The text a paragraph shows, or a failure when the Markdown made anything but one plain paragraph. */
function paragraphText(html: string): string {
  const match = /^<p>([^<]*)<\/p>\n$/.exec(html);
  assert.ok(match, `expected one plain paragraph, got ${JSON.stringify(html)}`);
  return decodeHtml(match[1]);
}

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/**
 * Checks every punctuation character of escapeMarkdown's output is backslash-escaped; returns the text it stands for.
 */
function unescapeChecked(markdown: string): string {
  let text = '';
  let at = 0;
  if (markdown.startsWith('&#32;')) {
    text = ' ';
    at = 5;
  }
  while (at < markdown.length) {
    const char = markdown[at];
    if (char === '\\') {
      assert.match(
        markdown[at + 1] ?? '',
        ASCII_PUNCTUATION,
        `backslash before a non-punctuation character at ${at} in ${JSON.stringify(markdown)}`,
      );
      text += markdown[at + 1];
      at += 2;
      continue;
    }
    assert.doesNotMatch(
      char,
      ASCII_PUNCTUATION,
      `unescaped ${JSON.stringify(char)} at ${at} in ${JSON.stringify(markdown)}`,
    );
    text += char;
    at++;
  }
  return text;
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces that build Markdown constructs when glued together, plus single characters of every kind. */
const PIECES = [
  '[',
  ']',
  '(',
  ')',
  '![',
  '](',
  '<',
  '>',
  '<img src=x onerror=alert(1)>',
  '<script>',
  '</b>',
  '`',
  '```',
  '~~~',
  '~~',
  '*',
  '**',
  '_',
  '__',
  '#',
  '# ',
  '- ',
  '+ ',
  '1. ',
  '2) ',
  '> ',
  '|',
  '---',
  '===',
  '\\',
  '\\\\',
  '&amp;',
  '&#60;',
  '&',
  'http://evil/x.png',
  'www.example.com',
  'a@b.co',
  'command:workbench.action.terminal.new',
  '$(alert)',
  '{',
  '}',
  ':',
  '!',
  '.',
  '"',
  "'",
  ' ',
  '    ',
  'a',
  'Z',
  '9',
  'é',
  '中',
  '😀',
  '\u00a0',
];
const INVISIBLE_PIECES = [
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\u0000',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u200b',
  '\u200e',
  '\u202e',
  '\u2066',
  '\u2028',
  '\ufeff',
];

function randomText(next: () => number, pieces: readonly string[], maxPieces: number): string {
  let text = '';
  const count = Math.floor(next() * maxPieces);
  for (let i = 0; i < count; i++) text += pieces[Math.floor(next() * pieces.length)];
  return text;
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '[click](command:workbench.action.terminal.new)',
  '![x](http://evil/x.png)',
  '**bold**',
  'line1\n# heading',
  '```',
  '\u202e',
  '<command:workbench.action.terminal.new>',
  'http://evil.example/ and www.evil.example',
  '| a | b |\n|---|---|',
  '    indented code',
  '1. item',
  '> quote',
  '$(alert) theme icon',
  '&lt;b&gt; entity',
];

describe('escapeMarkdown', () => {
  it('escapes the hostile examples to fixed, literal text', () => {
    assert.equal(escapeMarkdown('<img src=x onerror=alert(1)>'), '\\<img src\\=x onerror\\=alert\\(1\\)\\>');
    assert.equal(
      escapeMarkdown('[click](command:workbench.action.terminal.new)'),
      '\\[click\\]\\(command\\:workbench\\.action\\.terminal\\.new\\)',
    );
    assert.equal(escapeMarkdown('![x](http://evil/x.png)'), '\\!\\[x\\]\\(http\\:\\/\\/evil\\/x\\.png\\)');
    assert.equal(escapeMarkdown('**bold**'), '\\*\\*bold\\*\\*');
    assert.equal(escapeMarkdown('```'), '\\`\\`\\`');
    assert.equal(escapeMarkdown('$(alert)'), '\\$\\(alert\\)');
    assert.equal(escapeMarkdown('plain name_1'), 'plain name\\_1');
  });

  it('turns newlines and invisible or bidi characters into visible escapes, tabs into spaces', () => {
    assert.equal(escapeMarkdown('line1\n# heading'), 'line1\\\\n\\# heading');
    assert.equal(escapeMarkdown('a\r\nb'), 'a\\\\r\\\\nb');
    assert.equal(escapeMarkdown('evil\u202eexe.txt'), 'evil\\\\u202Eexe\\.txt');
    assert.equal(escapeMarkdown('re\u200bdis'), 're\\\\u200Bdis');
    assert.equal(escapeMarkdown('\u0000\u001b\u007f\u0085'), '\\\\u0000\\\\u001B\\\\u007F\\\\u0085');
    assert.equal(escapeMarkdown('tab\tinside'), 'tab inside');
  });

  it('keeps a leading space from opening an indented code block', () => {
    assert.equal(escapeMarkdown('    indented'), '&#32;   indented');
    assert.equal(escapeMarkdown('\tindented'), '&#32;indented');
  });

  it('keeps a 300-character name whole', () => {
    const name = `${'veth-'.repeat(59)}abcde`;
    assert.equal(name.length, 300);
    const escaped = escapeMarkdown(name);
    assert.equal(escaped, name.replace(/-/g, '\\-'));
    assert.equal(unescapeChecked(escaped), name);
  });

  it('renders each hostile example as one plain paragraph showing the text', function () {
    for (const input of HOSTILE) {
      const shown = paragraphText(render.call(this, escapeMarkdown(input)));
      const visible = input.replace(/\n/g, '\\n').replace(/\u202e/g, '\\u202E');
      assert.equal(shown, visible, `for ${JSON.stringify(input)}`);
    }
  });

  it('escapes every punctuation character and nothing else, for 2,000 random strings', () => {
    const next = random(20261129);
    for (let i = 0; i < 2000; i++) {
      const input = randomText(next, [...PIECES, ...INVISIBLE_PIECES], 24);
      const escaped = escapeMarkdown(input);
      assert.doesNotMatch(
        escaped,
        /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/,
        JSON.stringify(input),
      );
      const text = unescapeChecked(escaped);
      if (!INVISIBLE_PIECES.some((piece) => input.includes(piece))) assert.equal(text, input);
    }
  });

  it('renders 2,000 random strings as one plain paragraph with exactly their text', function () {
    const next = random(7);
    for (let i = 0; i < 2000; i++) {
      // markdown-it trims every kind of whitespace off a paragraph's ends: leave out the no-break space.
      const input = randomText(
        next,
        PIECES.filter((piece) => piece !== '\u00a0'),
        24,
      );
      if (input.trim() === '') continue; // nothing to show: no paragraph at all
      const html = render.call(this, escapeMarkdown(input));
      // A paragraph drops trailing spaces; nothing else may change.
      assert.equal(paragraphText(html), input.replace(/ +$/, ''), JSON.stringify(input));
    }
  });
});

describe('codeBlock and inlineCode', () => {
  it('makes the fence longer than any backtick run, so ``` in the text cannot end the block', () => {
    assert.equal(codeBlock('-A X -j ACCEPT', 'iptables'), '```iptables\n-A X -j ACCEPT\n```');
    assert.equal(codeBlock('a ``` b\n```\n# not a heading'), '````\na ``` b\n```\n# not a heading\n````');
    assert.equal(codeBlock('x ````` y'), '``````\nx ````` y\n``````');
    assert.equal(codeBlock('x', 'ipt"ables`\n'), '```iptables\nx\n```');
  });

  it('shows bidi overrides and other invisible characters as escapes, keeping newlines and tabs', () => {
    assert.equal(codeBlock('a\u202eb\tc\r\nd'), '```\na\\u202Eb\tc\nd\n```');
    assert.equal(inlineCode('a\u202eb\nc'), '`a\\u202Eb\\nc`');
    assert.equal(inlineCode('a\tb'), '`a\tb`');
  });

  it('pads inline code that starts or ends with a backtick or is wrapped in spaces', () => {
    assert.equal(inlineCode('docker0'), '`docker0`');
    assert.equal(inlineCode('a`b'), '``a`b``');
    assert.equal(inlineCode('`x`'), '`` `x` ``');
    assert.equal(inlineCode(' x '), '`  x  `');
    assert.equal(inlineCode(''), '` `');
  });

  it('renders random text in a code block verbatim', function () {
    const next = random(42);
    for (let i = 0; i < 1000; i++) {
      const text = randomText(next, [...PIECES, '\n', '\t', '````', '\n```\n'], 30).replace(/\r/g, '');
      const html = render.call(this, `${codeBlock(text, 'iptables')}\n\nafter`);
      const block = `<pre><code class="language-iptables">${escapeHtml(`${text}\n`)}</code></pre>\n`;
      assert.equal(html, `${block}<p>after</p>\n`, JSON.stringify(text));
    }
  });

  it('renders random text in a code span verbatim, on one line', function () {
    const next = random(43);
    for (let i = 0; i < 1000; i++) {
      const text = randomText(next, [...PIECES, '````'], 20);
      if (text === '' || text.trim() === '') continue;
      const html = render.call(this, `before ${inlineCode(text)} after`);
      assert.equal(html, `<p>before <code>${escapeHtml(text)}</code> after</p>\n`, JSON.stringify(text));
    }
  });
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** VS Code's own pattern for links in notification text (src/vs/base/common/linkedText.ts). */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;

describe('plainNotice: text for notifications', () => {
  it('leaves no link VS Code would make, and changes nothing else', () => {
    const hostile = [
      'nxl-<b>*bold*<i>[x](command:workbench.action.terminal.new)',
      '[Fix rules](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)',
      'see [docs](https://example.com) and [f]  (file:///etc/passwd)',
    ];
    for (const text of hostile) {
      const shown = plainNotice(text);
      assert.equal(shown.match(NOTIFICATION_LINK), null, shown);
      assert.equal(shown.replace(/\] \(/g, ']('), text.replace(/\]\s*\(/g, ']('), 'only the space after ] differs');
    }
    assert.equal(plainNotice('nothing to see (here) [or] there'), 'nothing to see (here) [or] there');
  });
});
