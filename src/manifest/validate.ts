// Dispatches each loaded object on apiVersion/kind, validates it with zod and turns issues into located diagnostics.
import type { z } from 'zod'
import type { Diagnostic, DiagnosticCode, Location, PathSegment } from '../diagnostics/diagnostic.ts'
import type { LoadedObject } from './load.ts'
import { endpointSliceSchema, isPlainEndpoint, type EndpointSliceManifest } from './schema/endpoint-slice.ts'
import { kubeProxyConfigSchema, type KubeProxyConfigManifest } from './schema/kube-proxy-config.ts'
import { nodeSchema, type NodeManifest } from './schema/node.ts'
import { serviceSchema, type ServiceManifest } from './schema/service.ts'

/** Where an object came from, so later phases can point at its fields. */
export interface ObjectOrigin {
  readonly file: string
  readonly doc: number
  readonly basePath: readonly PathSegment[]
  /** "Service ns/name" */
  readonly object: string
  readonly source: LoadedObject
}

export interface Validated<T> {
  readonly value: T
  readonly origin: ObjectOrigin
}

export interface ValidatedManifests {
  readonly services: Validated<ServiceManifest>[]
  readonly slices: Validated<EndpointSliceManifest>[]
  readonly nodes: Validated<NodeManifest>[]
  readonly configs: Validated<KubeProxyConfigManifest>[]
}

export interface ValidateResult {
  readonly manifests: ValidatedManifests
  readonly diagnostics: Diagnostic[]
}

const KINDS = {
  Service: { apiVersions: ['v1'], schema: serviceSchema },
  EndpointSlice: { apiVersions: ['discovery.k8s.io/v1'], schema: endpointSliceSchema },
  Node: { apiVersions: ['v1'], schema: nodeSchema },
  KubeProxyConfiguration: { apiVersions: ['kubeproxy.config.k8s.io/v1alpha1'], schema: kubeProxyConfigSchema },
} as const

type KnownKind = keyof typeof KINDS

/** Reports every problem of this phase; never throws for bad input. */
export function validateManifests(objects: readonly LoadedObject[]): ValidateResult {
  const manifests: ValidatedManifests = { services: [], slices: [], nodes: [], configs: [] }
  const diagnostics: Diagnostic[] = []
  const skippedKinds = new Map<string, LoadedObject>()

  for (const object of objects) {
    const { apiVersion, kind } = object.value
    if (typeof kind !== 'string' || kind === '') {
      diagnostics.push(diagnosticAt(object, ['kind'], 'MISSING_FIELD', 'missing required field kind'))
      continue
    }
    if (typeof apiVersion !== 'string' || apiVersion === '') {
      diagnostics.push(diagnosticAt(object, ['apiVersion'], 'MISSING_FIELD', 'missing required field apiVersion'))
      continue
    }
    if (!(kind in KINDS)) {
      if (!skippedKinds.has(kind)) skippedKinds.set(kind, object)
      continue
    }
    const spec = KINDS[kind as KnownKind]
    if (!(spec.apiVersions as readonly string[]).includes(apiVersion)) {
      diagnostics.push(
        diagnosticAt(object, ['apiVersion'], 'UNSUPPORTED_API_VERSION', `${kind} must have apiVersion ${spec.apiVersions.join(' or ')}, not ${JSON.stringify(apiVersion)}`),
      )
      continue
    }
    const label = objectLabel(kind, object.value)
    const parsed = kind === 'EndpointSlice' ? parseEndpointSlice(object.value) : spec.schema.safeParse(object.value, { reportInput: true })
    if (!parsed.success) {
      for (const issue of parsed.error.issues) diagnostics.push(issueToDiagnostic(object, label, issue))
      continue
    }
    const origin: ObjectOrigin = { file: object.file, doc: object.doc, basePath: object.basePath, object: label, source: object }
    switch (kind as KnownKind) {
      case 'Service':
        manifests.services.push({ value: parsed.data as ServiceManifest, origin })
        break
      case 'EndpointSlice':
        manifests.slices.push({ value: parsed.data as EndpointSliceManifest, origin })
        break
      case 'Node':
        manifests.nodes.push({ value: parsed.data as NodeManifest, origin })
        break
      case 'KubeProxyConfiguration':
        manifests.configs.push({ value: parsed.data as KubeProxyConfigManifest, origin })
        break
    }
  }
  for (const [kind, object] of skippedKinds)
    diagnostics.push({ ...diagnosticAt(object, ['kind'], 'UNSUPPORTED_KIND', `skipping objects of kind ${kind}: svcc reads Service, EndpointSlice, Node and KubeProxyConfiguration`), severity: 'notice' })
  return { manifests, diagnostics }
}

/**
 * endpointSliceSchema's answer. When every endpoint is plain (isPlainEndpoint), zod checks the
 * rest of the slice and the endpoints are kept as they are; otherwise zod checks it all, so its
 * issues and paths are the ones reported.
 */
function parseEndpointSlice(value: Record<string, unknown>) {
  const endpoints = value.endpoints
  if (!Array.isArray(endpoints) || !endpoints.every(isPlainEndpoint)) return endpointSliceSchema.safeParse(value, { reportInput: true })
  const parsed = endpointSliceSchema.safeParse({ ...value, endpoints: [] }, { reportInput: true })
  return parsed.success ? { ...parsed, data: { ...parsed.data, endpoints: endpoints as EndpointSliceManifest['endpoints'] } } : parsed
}

/** "Service ns/name", from whatever metadata the object has. */
function objectLabel(kind: string, value: Record<string, unknown>): string {
  const metadata = value.metadata as { name?: unknown; namespace?: unknown } | undefined
  const name = typeof metadata?.name === 'string' ? metadata.name : '<unnamed>'
  if (kind === 'Node' || kind === 'KubeProxyConfiguration') return `${kind} ${name}`
  const namespace = typeof metadata?.namespace === 'string' ? metadata.namespace : 'default'
  return `${kind} ${namespace}/${name}`
}

/** A located diagnostic for a field of a loaded object (path relative to the object). */
export function diagnosticAt(
  object: LoadedObject,
  path: readonly PathSegment[],
  code: DiagnosticCode,
  message: string,
  extra: { object?: string; severity?: Diagnostic['severity']; related?: readonly Location[] } = {},
): Diagnostic {
  return { severity: extra.severity ?? 'error', code, message, ...locationOf(object, path, extra.object), ...(extra.related ? { related: extra.related } : {}) }
}

export function locationOf(object: LoadedObject, path: readonly PathSegment[], label?: string): Location {
  const position = object.locate(path)
  return {
    file: object.file,
    doc: object.doc,
    ...(label ? { object: label } : {}),
    path: [...object.basePath, ...path],
    ...(position ?? {}),
  }
}

function issueToDiagnostic(object: LoadedObject, label: string, issue: z.core.$ZodIssue): Diagnostic {
  const path = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number')
  const custom = (issue as { params?: { svcc?: DiagnosticCode } }).params?.svcc
  if (custom) return diagnosticAt(object, path, custom, issue.message, { object: label })
  const input = (issue as { input?: unknown }).input
  const field = path.length > 0 ? String(path[path.length - 1]) : 'value'
  if (issue.code === 'invalid_type' && input === undefined)
    return diagnosticAt(object, path, 'MISSING_FIELD', `missing required field ${field}`, { object: label })
  if (issue.code === 'invalid_type')
    return diagnosticAt(object, path, 'INVALID_FIELD', `${field} must be ${article(issue.expected)}, not ${describe(input)}`, { object: label })
  if (issue.code === 'invalid_value' && issue.values.length === 1)
    return diagnosticAt(object, path, 'INVALID_FIELD', `${field} must be ${JSON.stringify(issue.values[0])}, not ${describe(input)}`, { object: label })
  if (issue.code === 'invalid_union')
    return diagnosticAt(object, path, 'INVALID_FIELD', `${field} has the wrong type (${describe(input)})`, { object: label })
  return diagnosticAt(object, path, 'INVALID_FIELD', issue.message, { object: label })
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  return `${typeof value} ${String(value)}`
}
