// The smallest nft table the tracers walk: kube-proxy's five base chains with their hooks and priorities.

export function nftSkeleton(family: 'ip' | 'ip6' = 'ip'): string[] {
  return [
    `add table ${family} t`,
    `add chain ${family} t filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }`,
    `add chain ${family} t nat-prerouting { type nat hook prerouting priority -100 ; }`,
    `add chain ${family} t filter-forward { type filter hook forward priority 0 ; }`,
    `add chain ${family} t filter-input { type filter hook input priority 0 ; }`,
    `add chain ${family} t nat-postrouting { type nat hook postrouting priority 100 ; }`,
  ]
}
