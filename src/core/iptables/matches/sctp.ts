// `-m sctp`: ports put into words like TCP's, and chunk types; the trace follows TCP and UDP only, so it does not
// evaluate them.
import type { MatchModule } from '../module';
import { readPorts } from './tcp';

/** `--chunk-types any|all|only DATA,INIT:flags…`: which chunks the SCTP packet must carry. */
function chunkPhrase(text: string, negated: boolean): string {
  const [how = 'any', ...chunks] = text.split(/\s+/);
  const list = chunks.join(' ').replace(/,/g, ', ');
  const quantifier = how === 'all' ? 'all of the chunks' : how === 'only' ? 'only the chunks' : 'any of the chunks';
  return `${negated ? 'not carrying' : 'carrying'} ${quantifier} ${list}`;
}

const sctp: MatchModule = {
  read(group, reading) {
    readPorts({ ...group, options: group.options.filter((o) => o.name !== '--chunk-types') }, reading);
    for (const o of group.options)
      if (o.name === '--chunk-types') reading.clauses.push(chunkPhrase(o.args.join(' '), o.negated));
  },
};
export default sctp;
