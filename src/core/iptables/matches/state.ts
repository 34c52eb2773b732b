// `-m state --state`: the older spelling of `-m conntrack --ctstate`.
import conntrack from './conntrack';

export default conntrack;
