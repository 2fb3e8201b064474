// An EndpointSlice names its Service in a label; a slice whose Service is not in the input gives no rules.
import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import { diagnosticAt, type ValidatedManifests } from '../../manifest/validate.ts'
import { HEADLESS_LABEL, SERVICE_NAME_LABEL, SERVICE_PROXY_NAME_LABEL } from '../../manifest/labels.ts'

/**
 * kube-proxy keeps such endpoints until the Service appears; a compiler sees the whole input at
 * once, so the slice is unused: a warning, usually a missing file or a typo in the label.
 * https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#ownership
 */
export function sliceReferencesServiceRule(manifests: ValidatedManifests): Diagnostic[] {
  const services = new Set(manifests.services.map(({ value }) => `${value.metadata.namespace ?? 'default'}/${value.metadata.name}`))
  const diagnostics: Diagnostic[] = []
  for (const { value, origin } of manifests.slices) {
    const labels = value.metadata.labels ?? {}
    const serviceName = labels[SERVICE_NAME_LABEL]
    // Slices without the label, or ignored for another reason, get their own warning from the model.
    if (!serviceName || SERVICE_PROXY_NAME_LABEL in labels || HEADLESS_LABEL in labels || value.addressType === 'FQDN') continue
    const namespace = value.metadata.namespace ?? 'default'
    if (services.has(`${namespace}/${serviceName}`)) continue
    diagnostics.push(
      diagnosticAt(origin.source, ['metadata', 'labels', SERVICE_NAME_LABEL], 'SLICE_WITHOUT_SERVICE', `no Service ${namespace}/${serviceName} in the input, so this slice gives no rules`, {
        object: origin.object,
        severity: 'warning',
      }),
    )
  }
  return diagnostics
}
