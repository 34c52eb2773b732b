// `-m limit`: a packet rate with bursts; the trace's first packet is taken to be under it.
import { notRead, value } from '../../explain/words';
import type { MatchModule } from '../module';

const RATE_UNITS = new Map([
  ['s', 'second'],
  ['sec', 'second'],
  ['second', 'second'],
  ['m', 'minute'],
  ['min', 'minute'],
  ['minute', 'minute'],
  ['h', 'hour'],
  ['hour', 'hour'],
  ['d', 'day'],
  ['day', 'day'],
]);

const limit: MatchModule = {
  read(group, reading) {
    const rate = group.options.find((o) => o.name === '--limit');
    const burst = group.options.find((o) => o.name === '--limit-burst');
    // iptables' defaults when an option is left out: 3/hour, bursts of 5.
    const [count = '3', unit = 'hour'] = (rate === undefined ? '3/hour' : value(rate)).split('/');
    const bursts = burst === undefined ? '' : ` (bursts of ${value(burst)})`;
    const speed = `${count} packet${count === '1' ? '' : 's'} a ${RATE_UNITS.get(unit) ?? unit}${bursts}`;
    reading.clauses.push(rate?.negated === true ? `beyond ${speed}` : `at up to ${speed}`);
    for (const option of group.options) {
      if (option !== rate && option !== burst) notRead(reading, group, option);
    }
  },
  evaluate: (option) => ({ assumed: true, why: `limit ${value(option)}: assumed under the limit (the first packet)` }),
};
export default limit;
