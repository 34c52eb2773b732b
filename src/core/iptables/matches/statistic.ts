// `-m statistic`: a random or every-nth share of packets; the trace branches on it instead of evaluating it.
import { notRead, ordinal, percent, value } from '../../explain/words';
import type { MatchModule } from '../module';

const statistic: MatchModule = {
  read(group, reading) {
    const find = (name: string) => group.options.find((o) => o.name === name);
    const mode = find('--mode');
    const probability = find('--probability');
    const every = find('--every');
    const packet = find('--packet');
    if (mode !== undefined && value(mode) === 'nth' && every !== undefined) {
      const offset = packet !== undefined && value(packet) !== '0' ? ` starting at packet ${value(packet)}` : '';
      const phrase = `on every ${ordinal(value(every))}packet${offset}`;
      reading.clauses.push(every.negated ? `except ${phrase}` : phrase);
    } else if (probability !== undefined) {
      const p = Number(value(probability));
      // `! --probability p` matches the other packets.
      reading.clauses.push(`with probability ${percent(probability.negated ? 1 - p : p)}`);
    } else {
      reading.uninterpreted.push("match 'statistic'");
      return;
    }
    for (const option of group.options) {
      if (option !== mode && option !== probability && option !== every && option !== packet)
        notRead(reading, group, option);
    }
  },
  branch(group) {
    const mode = group.options.find((o) => o.name === '--mode')?.args[0];
    const prob = group.options.find((o) => o.name === '--probability');
    const every = group.options.find((o) => o.name === '--every');
    let probability = 1;
    if (mode === 'random' && prob) probability = Number(prob.args[0]);
    else if (mode === 'nth' && every) probability = 1 / Number(every.args[0]);
    const negated = (prob ?? every)?.negated ?? false;
    if (negated) probability = 1 - probability;
    const what = prob ? `probability ${prob.args[0]}` : every ? `every ${every.args[0]}` : '';
    return { probability, text: `statistic ${mode ?? ''} ${what}`.trim() };
  },
};
export default statistic;
