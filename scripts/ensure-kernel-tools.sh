#!/usr/bin/env bash
# Installs the kernel tools the end-to-end tests drive (nft, iptables, ip, nfacct, conntrack) when they are missing.
# Only as root; otherwise it says which are missing and the e2e suite skips loudly.
set -euo pipefail
missing=()
for tool in nft:nftables iptables-restore:iptables ip:iproute2 nfacct:nfacct conntrack:conntrack; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "svcc: missing ${missing[*]} (not root, so not installing); the kernel tests will skip" >&2
  exit 0
fi
echo "svcc: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
