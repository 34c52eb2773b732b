// Packet capture with tcpdump in any namespace: one `tcpdump -U -w -` per interface, entered into its namespace,
// its pcap stream read as it comes (core/capture/pcap), the packets of all interfaces merged by time, bounded by
// limits, written to a pcapng file (one interface block per interface, named `namespace/interface`) and handed on for
// display. Every tcpdump leads its own process group (stopped as one) and dies with this process: setpriv gives it a
// parent-death signal, and -Z root keeps tcpdump from changing user, which would clear that signal.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { DiscoveredNamespace } from '../core/model';
import { PcapFormatError, PcapStreamReader } from '../core/capture/pcap';
import { interfaceBlock, packetBlock, sectionHeader } from '../core/capture/pcapng';
import {
  LimitCounter,
  TimeMerger,
  targetName,
  type CaptureLimits,
  type CaptureTarget,
  type CapturedPacket,
  type StopReason,
} from '../core/capture/session';
import { enterArgv } from './collect';
import { formatArgv, streamBytes, type Privilege, type Runner, type Watch } from './runner';

export type NamespacePath = Pick<DiscoveredNamespace, 'id' | 'kind' | 'paths'>;

export interface CaptureSource {
  target: CaptureTarget;
  ns: NamespacePath;
}

export const SNAPLEN = 262_144;

/** The filter as one argument after `--`: tcpdump joins what follows into its expression and reads no option there. */
const filterArgs = (filter: string): string[] => (filter.trim() ? ['--', filter] : []);

/** The tcpdump a capture runs for one interface (as the user could run it in a terminal). */
export function tcpdumpArgv(source: CaptureSource, filter: string, limits: Pick<CaptureLimits, 'packets'>): string[] {
  return [
    ...enterArgv(source.ns),
    'tcpdump',
    '-i',
    source.target.iface,
    '-n',
    '-U',
    '--immediate-mode',
    '--time-stamp-precision',
    'nano',
    '-s',
    String(SNAPLEN),
    '-c',
    String(limits.packets),
    '-Z',
    'root',
    '-w',
    '-',
    ...filterArgs(filter),
  ];
}

/** The same tcpdump for a terminal: a readable live list instead of a pcap stream. */
export function tcpdumpTerminalArgv(source: CaptureSource, filter: string): string[] {
  return [...enterArgv(source.ns), 'tcpdump', '-i', source.target.iface, '-n', '-l', ...filterArgs(filter)];
}

/** Compiles the filter for the interface's link type (`tcpdump -d`): null when valid, else tcpdump's message. */
export async function checkFilter(runner: Runner, source: CaptureSource, filter: string): Promise<string | null> {
  if (!filter.trim()) return null;
  const r = await runner.run([
    ...enterArgv(source.ns),
    'tcpdump',
    '-d',
    '-i',
    source.target.iface,
    ...filterArgs(filter),
  ]);
  if (!r.failure) return null;
  if (r.failure.reason === 'missing') return 'tcpdump is not installed (Debian: apt install tcpdump)';
  const line = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('tcpdump:'));
  return line ?? r.failure.message;
}

export interface SourceState {
  target: CaptureTarget;
  command: string;
  listening: boolean;
  /** Why its tcpdump could not start or ended with an error. */
  error: string | null;
  packets: number;
  /** From tcpdump's closing count: packets the kernel dropped because we read too slowly. */
  droppedByKernel: number | null;
}

export interface CaptureSummary {
  reason: StopReason;
  packets: number;
  bytes: number;
  sources: SourceState[];
}

export interface CaptureOptions {
  filter: string;
  limits: CaptureLimits;
  privilege: Privilege;
  /** The pcapng file written as packets come; null keeps none. */
  file: string | null;
  /** Packets released in time order, numbered. */
  onPackets(packets: CapturedPacket[]): void;
  /** A tcpdump started listening, failed, or ended. */
  onSources?(sources: readonly SourceState[]): void;
  /** How long to wait for every tcpdump to be listening. */
  startTimeoutMs?: number;
  /** Realtime in nanoseconds (tests replace it). */
  clock?: () => bigint;
}

const LISTENING = /^(?:tcpdump: )?listening on /;
const KERNEL_DROPS = /^(\d+) packets? dropped by kernel/m;

/** A running capture of one or more interfaces. `started` settles once each tcpdump listens or fails. */
export class Capture {
  readonly sources: SourceState[];
  readonly started: Promise<void>;
  readonly done: Promise<CaptureSummary>;
  private readonly watches: Watch[] = [];
  private readonly merger = new TimeMerger<CapturedPacket>();
  private readonly counter: LimitCounter;
  /** Source index → its interface block's id, once its tcpdump's stream has started. */
  private readonly interfaceIds = new Map<number, number>();
  private fd: number | null = null;
  private numbered = 0;
  private reason: StopReason | null = null;
  private running: number;
  private tick: ReturnType<typeof setInterval> | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  private finish!: (s: CaptureSummary) => void;
  private readonly clock: () => bigint;

  constructor(
    sources: readonly CaptureSource[],
    private readonly options: CaptureOptions,
  ) {
    if (!sources.length) throw new Error('nothing to capture');
    this.clock = options.clock ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.counter = new LimitCounter(options.limits);
    this.sources = sources.map((s) => ({
      target: s.target,
      command: formatArgv(tcpdumpArgv(s, options.filter, options.limits)),
      listening: false,
      error: null,
      packets: 0,
      droppedByKernel: null,
    }));
    this.running = sources.length;
    this.done = new Promise((resolve) => (this.finish = resolve));
    if (options.file !== null) {
      this.fd = openSync(options.file, 'w', 0o600);
      writeSync(this.fd, sectionHeader());
    }
    let listeners = 0;
    let settle!: () => void;
    this.started = new Promise<void>((resolve) => (settle = resolve));
    const settled = () => {
      if (++listeners === sources.length) settle();
    };
    sources.forEach((s, i) => this.startOne(s, i, settled));
    const startTimer = setTimeout(settle, options.startTimeoutMs ?? 10_000);
    void this.started.then(() => clearTimeout(startTimer));
    this.tick = setInterval(() => this.release(false), 100);
    this.deadline = setTimeout(() => this.stop('seconds'), options.limits.seconds * 1000);
  }

  private startOne(s: CaptureSource, i: number, settled: () => void): void {
    const state = this.sources[i]!;
    const reader = new PcapStreamReader();
    let once = false;
    const settleOnce = () => {
      if (!once) {
        once = true;
        settled();
      }
    };
    const watch = streamBytes(
      ['setpriv', '--pdeathsig', 'KILL', '--', ...tcpdumpArgv(s, this.options.filter, this.options.limits)],
      (chunk) => {
        if (this.reason !== null) return;
        try {
          const records = reader.push(chunk);
          if (reader.header && !this.interfaceIds.has(i)) this.addInterface(i, reader.header.linktype);
          for (const r of records) {
            const over = this.counter.take(r.data.length);
            if (over) {
              this.stop(over);
              return;
            }
            state.packets++;
            this.merger.add({ ...r, no: 0, source: i, linktype: reader.header!.linktype });
          }
          const full = this.counter.full();
          if (full) this.stop(full);
        } catch (e) {
          if (!(e instanceof PcapFormatError)) throw e;
          state.error = e.message;
          watch.stop();
        }
      },
      (end) => {
        const drops = KERNEL_DROPS.exec(end.stderr);
        if (drops) state.droppedByKernel = Number(drops[1]);
        // tcpdump's (or setpriv's) own last word, else how the process ended ("setpriv is not installed").
        if (!end.stopped && end.exitCode !== 0 && state.error === null)
          state.error = lastError(end.stderr) ?? end.failure ?? `tcpdump exited with code ${end.exitCode}`;
        settleOnce();
        this.options.onSources?.(this.sources);
        if (--this.running === 0) this.end();
      },
      {
        privilege: this.options.privilege,
        group: true,
        onStderrLine: (line) => {
          if (LISTENING.test(line.trim())) {
            state.listening = true;
            settleOnce();
            this.options.onSources?.(this.sources);
          }
        },
      },
    );
    this.watches.push(watch);
  }

  private addInterface(source: number, linktype: number): void {
    this.interfaceIds.set(source, this.interfaceIds.size);
    const t = this.sources[source]!.target;
    this.write([
      interfaceBlock({
        name: targetName(t),
        linktype,
        snaplen: SNAPLEN,
        description: `tcpdump -i ${t.iface} in namespace ${t.namespace}`,
      }),
    ]);
  }

  private write(blocks: Uint8Array[]): void {
    if (this.fd === null || !blocks.length) return;
    writeSync(this.fd, blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks));
  }

  /** Numbers the packets the merger releases, writes them, and hands them on. */
  private release(all: boolean): void {
    const out = this.merger.drain(this.clock(), all);
    if (!out.length) return;
    for (const p of out) p.no = ++this.numbered;
    this.write(out.map((p) => packetBlock(this.interfaceIds.get(p.source)!, p.tsNs, p.origLen, p.data)));
    this.options.onPackets(out);
  }

  get packets(): number {
    return this.counter.packets;
  }

  get bytes(): number {
    return this.counter.bytes;
  }

  /** Stops every tcpdump (TERM to its group, then KILL); `done` resolves once all have exited. */
  stop(reason: StopReason = 'stopped'): void {
    if (this.reason !== null) return;
    this.reason = reason;
    for (const w of this.watches) w.stop();
  }

  private end(): void {
    if (this.tick) clearInterval(this.tick);
    if (this.deadline) clearTimeout(this.deadline);
    this.release(true);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    const reason = this.reason ?? (this.sources.every((s) => s.error !== null) ? 'failed' : 'ended');
    this.finish({
      reason,
      packets: this.counter.packets,
      bytes: this.counter.bytes,
      sources: this.sources,
    });
  }
}

/** tcpdump's last error line (`tcpdump: eth9: No such device exists`), without its "(…)" detail. */
function lastError(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !LISTENING.test(l) && !/packets? (captured|received|dropped)/.test(l));
  return lines.at(-1) ?? null;
}
