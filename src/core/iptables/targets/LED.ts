// `-j LED`: blinks an LED trigger, and the walk goes on.
import { CONTINUES, targetValue } from '../../explain/words';
import { continuing } from '../continuing';

export default continuing(
  (rule) => `${`blinks the LED trigger netfilter-${targetValue(rule, '--led-trigger-id') ?? '?'}`}, ${CONTINUES}`,
);
