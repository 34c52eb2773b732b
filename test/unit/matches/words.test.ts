// Match modules that are put into words only (their conditions are not known from a snapshot, so the trace names them
// as assumptions): each sample rule reads without anything left "not interpreted".
import { strict as assert } from 'node:assert';
import { describeConditions, uninterpretedOf } from '../../../src/core/explain/rule';
import { parseIptablesSave } from '../../../src/core/iptables/parse';

const SAMPLES: [string, RegExp][] = [
  [
    '-m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 100 --hashlimit-mode srcip --hashlimit-name ssh',
    /at up to 50\/sec per group, with bursts of 100, grouped by srcip/,
  ],
  ['-m connlimit --connlimit-above 20 --connlimit-mask 24 --connlimit-saddr', /more than 20 connections/],
  ['-m connbytes --connbytes 10000: --connbytes-dir both --connbytes-mode bytes', /transferred 10000-/],
  ['-m recent --name ssh --rcheck --seconds 60 --hitcount 4 --rsource', /on the recent list/],
  ['-m ttl --ttl-lt 5', /TTL below 5/],
  ['-m tos --tos 0x10/0x3f', /TOS 0x10\/0x3f/],
  ['-m dscp --dscp-class AF41', /DSCP class AF41/],
  ['-p esp -m esp --espspi 500:600', /ESP SPI 500-600/],
  ['-m socket --transparent --nowildcard', /transparent socket/],
  ['-m cgroup --path user.slice', /cgroup user\.slice/],
  ['-m policy --dir in --pol ipsec --proto esp --mode tunnel', /handled by IPsec/],
  ['-m quota --quota 1000000', /quota of 1000000 bytes/],
  ['-m cpu --cpu 1', /CPU 1/],
  ['-m connlabel --label blocked', /label blocked/],
  ['-m pkttype --pkt-type broadcast', /broadcast frames/],
  ['-m time --timestart 09:00 --timestop 17:00 --weekdays Mon,Tue', /from 09:00/],
  ['-m helper --helper ftp', /conntrack helper ftp/],
  ['-m devgroup --src-group 1', /interface of group 1/],
  ['-m realm --realm 10', /realm 10/],
  ['-m nfacct --nfacct-name web', /accounting object web/],
];
const SAMPLES6: [string, RegExp][] = [
  ['-m hl --hl-eq 255', /hop limit 255/],
  ['-m frag --fragid 100:200 --fragfirst', /fragment id 100-200/],
  ['-m hbh --hbh-len 8', /hop-by-hop header of length 8/],
  ['-m dst --dst-len 8', /destination options header of length 8/],
  ['-m rt --rt-type 0 --rt-segsleft 2', /routing header type 0/],
  ['-p mh -m mh --mh-type 1', /mobility header type 1/],
  ['-m ipv6header --header frag,hop --soft', /IPv6 headers frag,hop/],
  ['-p ah -m ah --ahspi 500', /AH SPI 500/],
];

const rule = (matches: string) =>
  parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT ${matches} -j ACCEPT\nCOMMIT\n`).tables[0]!.chains[0]!
    .rules[0]!;

describe('match modules put into words', () => {
  for (const [matches, words] of [...SAMPLES, ...SAMPLES6]) {
    it(matches, () => {
      const r = rule(matches);
      assert.deepEqual(uninterpretedOf(r), [], 'nothing left uninterpreted');
      assert.match(describeConditions(r), words);
    });
  }
});
