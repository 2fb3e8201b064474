// An object is defined once: two Services (or slices, or Nodes) with the same name would silently replace each other.
import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import { diagnosticAt, locationOf, type ObjectOrigin, type ValidatedManifests } from '../../manifest/validate.ts'
import { byKeys } from '../compare.ts'

/**
 * kubectl apply keeps the last of two definitions; the API server keeps one object per name.
 * svcc cannot know which was meant, so each later copy is an error pointing at the first.
 * "First" is by file, document and List item, so the order of the command-line arguments never shows.
 */
export function uniqueObjectsRule(manifests: ValidatedManifests): Diagnostic[] {
  const named = [
    ...manifests.services.map(({ value, origin }) => ({ key: `Service ${value.metadata.namespace ?? 'default'}/${value.metadata.name}`, origin })),
    ...manifests.slices.map(({ value, origin }) => ({ key: `EndpointSlice ${value.metadata.namespace ?? 'default'}/${value.metadata.name}`, origin })),
    ...manifests.nodes.map(({ value, origin }) => ({ key: `Node ${value.metadata.name}`, origin })),
  ].sort(byKeys((n) => n.key, (n) => n.origin.file, (n) => n.origin.doc, (n) => itemIndex(n.origin)))
  const diagnostics: Diagnostic[] = []
  let first: { key: string; origin: ObjectOrigin } | undefined
  for (const n of named) {
    if (first?.key !== n.key) {
      first = n
      continue
    }
    diagnostics.push(
      diagnosticAt(n.origin.source, ['metadata', 'name'], 'DUPLICATE_OBJECT', `${n.key} is defined twice`, {
        object: n.origin.object,
        related: [locationOf(first.origin.source, ['metadata', 'name'], first.origin.object)],
      }),
    )
  }
  return diagnostics
}

function itemIndex(origin: ObjectOrigin): number {
  const i = origin.basePath[1]
  return typeof i === 'number' ? i : -1
}
