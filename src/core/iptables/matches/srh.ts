// `-m srh`: the IPv6 Segment Routing Header.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const field = (what: string, relation: string) => (t: string) =>
  [
    `whose segment routing header has ${what} ${relation ? `${relation} ` : ''}${t}`,
    `whose segment routing header does not have ${what} ${relation ? `${relation} ` : ''}${t}`,
  ] as [string, string];

const srh: MatchModule = {
  read: phraseReader({
    '--srh-next-hdr': field('next header', ''),
    '--srh-hdr-len-eq': field('a length', 'of'),
    '--srh-hdr-len-gt': field('a length', 'above'),
    '--srh-hdr-len-lt': field('a length', 'below'),
    '--srh-segs-left-eq': field('segments left', 'equal to'),
    '--srh-segs-left-gt': field('segments left', 'above'),
    '--srh-segs-left-lt': field('segments left', 'below'),
    '--srh-last-entry-eq': field('a last entry', 'of'),
    '--srh-last-entry-gt': field('a last entry', 'above'),
    '--srh-last-entry-lt': field('a last entry', 'below'),
    '--srh-tag': field('the tag', ''),
    '--srh-psid': field('the previous segment', ''),
    '--srh-nsid': field('the next segment', ''),
    '--srh-lsid': field('the last segment', ''),
  }),
};
export default srh;
