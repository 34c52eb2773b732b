// `-j MARK`: sets bits of the packet's firewall mark; the walk goes on, and later `-m mark` matches see it.
import { CONTINUES, parseNumber, targetValue } from '../../explain/words';
import type { TargetModule } from '../module';
import type { Rule } from '../types';

/** MARK `--set-xmark V/M` means mark = (mark & ~M) ^ V: the common cases in words, the rest generically. */
function markPhrase(rule: Rule): string {
  const xmark = targetValue(rule, '--set-xmark');
  const setMark = targetValue(rule, '--set-mark');
  if (xmark !== undefined) {
    const [v = '', m = '0xffffffff'] = xmark.split('/');
    const bits = parseNumber(v);
    const mask = parseNumber(m);
    if (bits !== null && mask !== null) {
      if (mask === 0xffffffff) return `has its firewall mark set to ${v}`;
      if (bits === mask) return `has firewall mark bits ${v} set`;
      if (bits === 0) return `has firewall mark bits ${m} cleared`;
      if (mask === 0) return `has firewall mark bits ${v} flipped`;
    }
    return `has its firewall mark changed (--set-xmark ${xmark})`;
  }
  if (setMark !== undefined) {
    const [v, m] = setMark.split('/');
    return m === undefined ? `has its firewall mark set to ${v}` : `has firewall mark bits ${m} set to ${v}`;
  }
  return 'has its firewall mark changed';
}

const mark: TargetModule = {
  describe: (rule) => `${markPhrase(rule)}, ${CONTINUES}`,
  apply({ rule, packet: p, say }) {
    const set = targetValue(rule, '--set-xmark') ?? targetValue(rule, '--set-mark');
    const [v = '0', m = '0xffffffff'] = (set ?? '0').split('/');
    p.mark = ((p.mark & ~Number(m)) ^ Number(v)) >>> 0;
    say(`MARK: the packet's mark becomes 0x${p.mark.toString(16)}`);
    return null;
  },
};
export default mark;
