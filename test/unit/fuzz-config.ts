// Shared settings for the property tests: fixed seeds and bounded runs in CI; NX_FUZZ_RUNS / NX_FUZZ_SEED for longer
// runs (npm run fuzz).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';

export const FIXTURES = join(__dirname, '../../../test/fixtures');

/** Runs per property in `npm run fuzz` when NX_FUZZ_RUNS is not set (scripts/fuzz.mjs uses the same default). */
export const FUZZ_DEFAULT_RUNS = 50_000;

/**
 * What the properties ran, by file: `test` (the fixed CI count), `fuzz` (what `npm run fuzz` runs by default) and
 * `run` (this process). Written to out/reports/fuzz-runs.json when the process exits; docs/RELIABILITY.md's table is
 * made from it (npm run docs:refresh) and checked against it by scripts/test.mjs, so no count there is typed by hand.
 * Each test file is its own bundle, so the tally lives on globalThis.
 */
type Tally = Record<string, { properties: number; test: number; fuzz: number; run: number }>;
const holder = globalThis as { __nxFuzzTally?: Tally };

function callerFile(): string {
  // The bundle's own frames, or with source maps the test's .ts file (fuzz-config.ts itself never matches).
  const frame = (new Error().stack ?? '')
    .split('\n')
    .find((l) => /[\\/]test[\\/]unit[\\/][^/\\]+\.test\.[jt]s/.test(l));
  const match = frame ? /([^/\\]+)\.test\.[jt]s/.exec(frame) : null;
  return match ? basename(match[1]!) : 'unknown';
}

function tally(ciRuns: number, maxRuns: number, runs: number): void {
  if (!holder.__nxFuzzTally) {
    holder.__nxFuzzTally = {};
    const out = join(__dirname, '../../../out/reports');
    process.once('exit', () => {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'fuzz-runs.json'), `${JSON.stringify(holder.__nxFuzzTally, null, 2)}\n`);
    });
  }
  const entry = (holder.__nxFuzzTally[callerFile()] ??= { properties: 0, test: 0, fuzz: 0, run: 0 });
  entry.properties++;
  entry.test += Math.min(ciRuns, maxRuns);
  entry.fuzz += Math.min(FUZZ_DEFAULT_RUNS, maxRuns);
  entry.run += runs;
}

/**
 * Runs per property: the CI count unless NX_FUZZ_RUNS asks for more (up to maxRuns, for properties that spawn
 * processes).
 */
export function fuzzParams(ciSeed: number, ciRuns: number, maxRuns = Infinity): fc.Parameters<unknown> {
  const runs = Math.min(Number(process.env.NX_FUZZ_RUNS) || ciRuns, maxRuns);
  tally(ciRuns, maxRuns, runs);
  const seed =
    process.env.NX_FUZZ_SEED !== undefined
      ? Number(process.env.NX_FUZZ_SEED)
      : process.env.NX_FUZZ_RUNS
        ? Date.now() ^ ciSeed
        : ciSeed;
  return { seed, numRuns: runs, endOnFailure: true };
}

export function iptablesFixtures(): { name: string; text: string }[] {
  const dir = join(FIXTURES, 'iptables');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.txt') && !n.endsWith('.stderr.txt'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Real `ip -j -d -batch -` outputs recorded from the lab. */
export function ipRecordings(): { name: string; text: string }[] {
  const dir = join(FIXTURES, 'recordings/lab');
  return readdirSync(dir)
    .filter((n) => /-ip\.stdout$/.test(n))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * Real `ss` outputs recorded by test/fixtures/record-ss.sh (`NAME.txt`; listen.py and the version note are not
 * outputs).
 */
export function ssFixtures(): { name: string; text: string }[] {
  const dir = join(FIXTURES, 'ss');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.txt') && n !== 'ss-version.txt')
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Characters that matter to the parsers: quotes, escapes, brackets, separators, control and wide characters. */
const SPECIAL = [
  '"',
  '\\',
  "'",
  ' ',
  '  ',
  '!',
  '-',
  '--',
  '[',
  ']',
  '{',
  '}',
  ':',
  ',',
  '*',
  '#',
  '\n',
  '\r',
  '\t',
  '\0',
  'é',
  '😀',
  '\u202e',
  'COMMIT',
  '-A ',
  '-m ',
  '-j ',
  'null',
  '1e309',
  '-1',
];

export type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'dupLine' | 'dropLine'; line: number }
  | { kind: 'swapLines'; line: number; other: number }
  | { kind: 'truncate'; at: number };

const mutationArb = (special: readonly string[]): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...special), fc.string({ maxLength: 4, unit: 'binary' })),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ kind: fc.constantFrom('dupLine' as const, 'dropLine' as const), line: fc.nat() }),
    fc.record({ kind: fc.constant('swapLines' as const), line: fc.nat(), other: fc.nat() }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );

/** Edits of a recorded text; `extra` adds insertions that matter to one parser (e.g. `%`, `LISTEN` for ss). */
export function mutationsArb(maxLength = 6, extra: readonly string[] = []): fc.Arbitrary<Mutation[]> {
  return fc.array(mutationArb([...SPECIAL, ...extra]), { minLength: 1, maxLength });
}

export function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const len = Math.max(out.length, 1);
    switch (m.kind) {
      case 'insert': {
        const at = m.at % (out.length + 1);
        out = out.slice(0, at) + m.text + out.slice(at);
        break;
      }
      case 'delete': {
        const at = m.at % len;
        out = out.slice(0, at) + out.slice(at + m.length);
        break;
      }
      case 'truncate':
        out = out.slice(0, m.at % len);
        break;
      default: {
        const lines = out.split('\n');
        const i = m.line % lines.length;
        if (m.kind === 'dupLine') lines.splice(i, 0, lines[i] ?? '');
        else if (m.kind === 'dropLine') lines.splice(i, 1);
        else if (m.kind === 'swapLines') {
          const j = m.other % lines.length;
          [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        }
        out = lines.join('\n');
      }
    }
  }
  return out;
}
