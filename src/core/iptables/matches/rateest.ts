// `-m rateest`: compares the rates a RATEEST target measures (bytes or packets a second) with a value or each other.
import { phraseReader, value } from '../../explain/words';
import type { MatchModule } from '../module';
import type { MatchGroup } from '../types';

const COMPARE: Record<string, string> = {
  '--rateest-lt': 'below',
  '--rateest-gt': 'above',
  '--rateest-eq': 'equal to',
};

const rateest: MatchModule = {
  read(group: MatchGroup, reading) {
    const opt = (name: string) => group.options.find((o) => o.name === name);
    const cmp = Object.keys(COMPARE).find((n) => opt(n));
    const first = opt('--rateest') ?? opt('--rateest1');
    const second = opt('--rateest2');
    const unit = opt('--rateest-pps') || opt('--rateest-pps1') ? 'packet rate' : 'byte rate';
    const limit = opt('--rateest-bps') ?? opt('--rateest-pps');
    const than = second
      ? `that of the estimator ${value(second)}`
      : limit && value(limit) !== ''
        ? value(limit)
        : 'its configured value';
    const negated = group.options.some((o) => o.negated);
    reading.clauses.push(
      `when the ${unit} measured by the estimator ${first ? value(first) : '?'} is ${negated ? 'not ' : ''}${cmp ? COMPARE[cmp] : 'compared with'} ${than}`,
    );
    // Options outside the comparison (a delta, say) still read, so nothing is left unexplained.
    phraseReader({
      '--rateest-delta': () => ['(as a change since the last measure)', '(as a change since the last measure)'],
    })({ ...group, options: group.options.filter((o) => o.name === '--rateest-delta') }, reading);
  },
};
export default rateest;
