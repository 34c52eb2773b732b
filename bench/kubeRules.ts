// Generates kube-proxy-shaped nat rule sets (KUBE-SERVICES → KUBE-SVC-* → KUBE-SEP-*) of a given size.

/**
 * About `rules` rules: kube-proxy writes 2 + 3 × endpoints rules per service (3 endpoints here). Service 1 is
 * `default/kubernetes:https` on 10.96.0.1:443, as on every cluster; every 100th service also has a NodePort
 * (30000 + its number / 100), through KUBE-NODEPORTS and its KUBE-EXT chain, as kube-proxy 1.24 and later write it.
 */
export function kubeProxyRules(rules: number): string {
  const endpoints = 3;
  const services = Math.max(1, Math.ceil(rules / (2 + 3 * endpoints)));
  const chains: string[] = [
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
  ];
  const nodePorts: string[] = [];
  const body: string[] = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
  ];
  for (let s = 0; s < services; s++) {
    const svc = `KUBE-SVC-${String(s).padStart(16, '0')}`;
    const ip = `10.${96 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}`;
    const name = s === 1 ? 'default/kubernetes:https' : `ns${s % 50}/svc${s}:http`;
    const port = s === 1 ? 443 : 80;
    chains.push(`:${svc} - [0:0]`);
    body.push(
      `-A KUBE-SERVICES -d ${ip}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport ${port} -j ${svc}`,
    );
    body.push(
      `-A ${svc} ! -s 10.244.0.0/16 -d ${ip}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport ${port} -j KUBE-MARK-MASQ`,
    );
    if (s % 100 === 50) {
      const ext = `KUBE-EXT-${String(s).padStart(16, '0')}`;
      chains.push(`:${ext} - [0:0]`);
      nodePorts.push(
        `-A KUBE-NODEPORTS -p tcp -m comment --comment "${name}" -m tcp --dport ${30000 + Math.floor(s / 100)} -j ${ext}`,
        `-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`,
        `-A ${ext} -j ${svc}`,
      );
    }
    for (let e = 0; e < endpoints; e++) {
      const sep = `KUBE-SEP-${String(s * endpoints + e).padStart(16, '0')}`;
      const pod = `10.${244 + (e & 3)}.${(s >> 8) & 255}.${s & 255}`;
      chains.push(`:${sep} - [0:0]`);
      const left = endpoints - e;
      const target = s === 1 ? 6443 : 80;
      body.push(
        left > 1
          ? `-A ${svc} -m comment --comment "${name} -> ${pod}:${target}" -m statistic --mode random --probability ${(1 / left).toFixed(11)} -j ${sep}`
          : `-A ${svc} -m comment --comment "${name} -> ${pod}:${target}" -j ${sep}`,
      );
      body.push(`-A ${sep} -s ${pod}/32 -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      body.push(`-A ${sep} -p tcp -m comment --comment "${name}" -m tcp -j DNAT --to-destination ${pod}:${target}`);
    }
  }
  body.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );
  return ['*nat', ...chains, ...body, ...nodePorts, 'COMMIT', ''].join('\n');
}
