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
  ['-m bpf --bytecode "1,6 0 0 65535"', /classic BPF program/],
  [
    '-m cluster --cluster-local-nodemask 0x00000001 --cluster-total-nodes 2 --cluster-hash-seed 0xdeadbeef',
    /among 2 cluster nodes/,
  ],
  ['-p tcp -m ecn --ecn-tcp-cwr', /TCP CWR flag/],
  ['-m ecn --ecn-ip-ect 1', /IP ECN field 1/],
  ['-m ipvs --ipvs --vaddr 10.96.0.1/32 --vport 443', /IPVS virtual port 443/],
  ['-p tcp -m osf --genre Linux', /fingerprinted as Linux/],
  [
    '-m rateest --rateest est1 --rateest-gt --rateest-bps 100000bit',
    /byte rate measured by the estimator est1 is above 100000bit/,
  ],
  ['-m rateest --rateest1 est1 --rateest-gt --rateest-bps --rateest2 est2', /is above that of the estimator est2/],
  ['-m rpfilter --loose', /passes the reverse-path check/],
  ['-m rpfilter --invert', /fails the reverse-path check/],
  ['-p tcp -m tcpmss --mss 1400:1500', /TCP MSS option is 1400 to 1500/],
  ['-m u32 --u32 "0x0>>0x16&0x3c@0xc&0xffff=0x50"', /u32 test/],
  ['-p udp -m l2tp --tid 1 --type data', /L2TP tunnel 1/],
  ['-p ipcomp -m ipcomp --ipcompspi 5', /IPComp index 5/],
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
  ['-m eui64', /EUI-64/],
  ['-p sctp -m sctp --dport 9 --chunk-types any DATA,INIT', /carrying any of the chunks DATA, INIT/],
  ['-m srh --srh-next-hdr 17 --srh-segs-left-gt 1', /segments left above 1/],
  ['-m rpfilter', /passes the reverse-path check/],
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
