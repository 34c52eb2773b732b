#!/usr/bin/env bash
# The benchmark's baseline: a plain sequential shell loop over the host and every named namespace,
# running the minimal commands (one ip batch for links, addresses and routes; one iptables-save).
set -u
cmds=$'link show\naddr show\nroute show table all\nnetns list-id\n'
ip -j -d -batch - <<<"$cmds" >/dev/null
iptables-save -c >/dev/null
for ns in $(ip netns list | cut -d' ' -f1); do
  ip -n "$ns" -j -d -batch - <<<"$cmds" >/dev/null
  nsenter --net="/run/netns/$ns" iptables-save -c >/dev/null
done
exit 0
