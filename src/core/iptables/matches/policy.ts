// `-m policy`: the IPsec policy that handled (or will handle) the packet.
import { phraseReader } from '../../explain/words';
import type { MatchModule } from '../module';

const policy: MatchModule = {
  read: phraseReader({
    '--dir': (t) => [
      `(IPsec policy for ${t === 'in' ? 'decapsulation' : 'encapsulation'})`,
      `(IPsec policy for ${t === 'in' ? 'decapsulation' : 'encapsulation'})`,
    ],
    '--pol': (t) => [
      t === 'none' ? 'not handled by IPsec' : 'handled by IPsec',
      t === 'none' ? 'handled by IPsec' : 'not handled by IPsec',
    ],
    '--strict': () => null,
    '--reqid': (t) => [`with IPsec reqid ${t}`, `with an IPsec reqid other than ${t}`],
    '--spi': (t) => [`with IPsec SPI ${t}`, `with an IPsec SPI other than ${t}`],
    '--proto': (t) => [`with IPsec protocol ${t}`, `with an IPsec protocol other than ${t}`],
    '--mode': (t) => [`in IPsec ${t} mode`, `not in IPsec ${t} mode`],
    '--tunnel-src': (t) => [`through an IPsec tunnel from ${t}`, `not through an IPsec tunnel from ${t}`],
    '--tunnel-dst': (t) => [`through an IPsec tunnel to ${t}`, `not through an IPsec tunnel to ${t}`],
    '--next': () => null,
  }),
};
export default policy;
