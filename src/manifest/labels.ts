// The well-known labels kube-proxy reads on Services and EndpointSlices.

/** Names the Service an EndpointSlice belongs to. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
/** A Service (or its slices) handled by another proxy: kube-proxy skips it. */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name'
/** Set on the slices of headless Services: kube-proxy skips them. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless'
