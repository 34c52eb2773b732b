// `-m tcp`: ports, flags and TCP options. Its reading and port evaluation serve the other port modules too.
import { negatable, notRead, value, type Reading } from '../../explain/words';
import { portInSpec } from '../../net/ports';
import type { MatchEnv } from '../../trace/match';
import type { Packet } from '../../trace/packet';
import type { MatchModule, OptionResult } from '../module';
import type { MatchGroup, RuleOption } from '../types';

const TCP_FLAGS_ALL = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];

function tcpFlagsPhrase(option: RuleOption): string {
  const flags = (text: string) => (text === 'ALL' ? TCP_FLAGS_ALL : text === 'NONE' ? [] : text.split(','));
  const mask = flags(value(option, 0));
  const set = flags(value(option, 1));
  const synOnly = mask.length === 4 && ['FIN', 'SYN', 'RST', 'ACK'].every((f) => mask.includes(f));
  if (synOnly && set.length === 1 && set[0] === 'SYN') {
    return option.negated ? 'other than connection-opening SYNs' : 'opening a connection (SYN without ACK)';
  }
  const clear = mask.filter((flag) => !set.includes(flag));
  const parts = [set.length > 0 ? `${set.join(', ')} set` : '', clear.length > 0 ? `${clear.join(', ')} clear` : ''];
  const phrase = `with flags ${parts.filter((p) => p !== '').join(' and ')}`;
  return option.negated ? `except those ${phrase}` : phrase;
}

/** The reading of every port module: `--dport`, `--sport`, and TCP's flags and options. */
export function readPorts(group: MatchGroup, reading: Reading): void {
  for (const option of group.options) {
    switch (option.name) {
      case '--dport':
      case '--destination-port':
        reading.destination.ports = negatable(option);
        break;
      case '--sport':
      case '--source-port':
        reading.source.ports = negatable(option);
        break;
      case '--tcp-flags':
        reading.clauses.push(tcpFlagsPhrase(option));
        break;
      case '--syn':
        reading.clauses.push(
          option.negated ? 'other than connection-opening SYNs' : 'opening a connection (SYN without ACK)',
        );
        break;
      case '--tcp-option':
        reading.clauses.push(`${option.negated ? 'without' : 'with'} TCP option ${value(option)}`);
        break;
      default:
        notRead(reading, group, option);
    }
  }
}

/** Ports and flags against the packet; a port match of another protocol's module never matches. */
export function evaluatePorts(option: RuleOption, p: Packet, _env: MatchEnv, module: string): OptionResult | undefined {
  const arg = value(option);
  switch (option.name) {
    case '--dport':
    case '--destination-port':
      return module === p.protocol && portInSpec(arg, p.dport);
    case '--sport':
    case '--source-port':
      return module === p.protocol && portInSpec(arg, p.sport);
    case '--syn':
      return p.protocol === 'tcp' && p.ctstate === 'NEW';
    case '--tcp-flags': {
      // The first packet is a bare SYN; the first reply a SYN-ACK.
      const set = p.ctstate === 'NEW' ? ['SYN'] : ['SYN', 'ACK'];
      const mask = arg === 'ALL' ? ['SYN', 'ACK', 'FIN', 'RST', 'URG', 'PSH'] : arg.split(',');
      const want = value(option, 1) === 'NONE' ? [] : value(option, 1).split(',');
      return mask.every((f) => set.includes(f) === want.includes(f));
    }
  }
  return undefined;
}

/** Why a port or flag condition did not match. */
export function portsMiss(option: RuleOption, p: Packet, _env: MatchEnv, module: string): string | undefined {
  const arg = value(option);
  const port = (field: string, n: number) =>
    module !== p.protocol
      ? `the packet is ${p.protocol}, not ${module}`
      : `${field} port ${n} is ${option.negated ? '' : 'not '}${arg.includes(':') || arg.includes(',') ? 'in ' : ''}${arg.replace(':', '-')}`;
  switch (option.name) {
    case '--dport':
    case '--destination-port':
      return port('destination', p.dport);
    case '--sport':
    case '--source-port':
      return port('source', p.sport);
    case '--syn':
    case '--tcp-flags':
      return p.ctstate === 'NEW' ? 'the first packet is a bare SYN' : 'the reply is a SYN-ACK';
  }
  return undefined;
}

const tcp: MatchModule = { read: readPorts, evaluate: evaluatePorts, miss: portsMiss };
export default tcp;
