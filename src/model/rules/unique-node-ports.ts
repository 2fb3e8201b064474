// A node port belongs to one Service port per protocol (the API server enforces it; manifests may not).
import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import { diagnosticAt, locationOf } from '../../manifest/validate.ts'
import type { Model, ServicePortModel } from '../types.ts'

export function uniqueNodePortsRule(model: Model): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const claimed = new Map<string, ServicePortModel>()
  for (const service of model.services) {
    for (const port of service.ports) {
      if (port.nodePort === 0) continue
      const key = `${port.nodePort}/${port.protocol}`
      const first = claimed.get(key)
      if (!first) {
        claimed.set(key, port)
        continue
      }
      diagnostics.push(
        diagnosticAt(service.origin.source, [...port.origin.path, 'nodePort'], 'DUPLICATE_NODE_PORT', `nodePort ${port.nodePort}/${port.protocol.toUpperCase()} is already used by ${first.origin.object.object}`, {
          object: service.origin.object,
          related: [locationOf(first.origin.object.source, [...first.origin.path, 'nodePort'], first.origin.object.object)],
        }),
      )
    }
  }
  return diagnostics
}
