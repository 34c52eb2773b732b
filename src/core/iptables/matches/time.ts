// `-m time`: the time of day and date the packet arrives; not known from a snapshot.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const timeMatch: MatchModule = {
  read: phraseReader({
    '--datestart': (t) => [`from ${t}`, `before ${t}`],
    '--datestop': (t) => [`until ${t}`, `after ${t}`],
    '--timestart': (t) => [`from ${t}`, `before ${t}`],
    '--timestop': (t) => [`until ${t}`, `after ${t}`],
    '--monthdays': (t) => [`on days ${t} of the month`, `not on days ${t} of the month`],
    '--weekdays': (t) => [`on ${t}`, `not on ${t}`],
    '--contiguous': () => null,
    '--kerneltz': () => [`(kernel time zone)`, `(kernel time zone)`],
  }),
};
export default timeMatch;
