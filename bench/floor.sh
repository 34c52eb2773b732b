#!/usr/bin/env bash
# The machine's limit for the snapshot: the baseline's own commands (bench/baseline.sh), spread over
# as many parallel workers as there are cores (xargs -P, one light `sh` per namespace). No tool that
# runs these commands can be much quicker.
set -u
cmds=$(mktemp)
trap 'rm -f "$cmds"' EXIT
printf 'link show\naddr show\nroute show table all\nnetns list-id\n' >"$cmds"
# An empty name stands for the host namespace.
{ printf '\0'; ip netns list | cut -d' ' -f1 | tr '\n' '\0'; } | xargs -0 -P "$(nproc)" -n 1 sh -c '
  if [ -z "$2" ]; then ip -j -d -batch "$1" >/dev/null; iptables-save -c >/dev/null; exit 0; fi
  ip -n "$2" -j -d -batch "$1" >/dev/null
  nsenter --net="/run/netns/$2" iptables-save -c >/dev/null; exit 0' _ "$cmds"
