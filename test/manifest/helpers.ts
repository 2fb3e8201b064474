// Compiles literal manifests and reduces diagnostics to what tests assert: code, position, path (never prose).
import { compile, type CompileResult } from '../../src/compile.ts'
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts'
import { formatPath } from '../../src/diagnostics/format.ts'
import type { Format, SettingsInput } from '../../src/model/settings.ts'

export interface Found {
  readonly code: string
  readonly severity: Diagnostic['severity']
  readonly file: string
  readonly line?: number
  readonly column?: number
  readonly path?: string
  readonly doc?: number
  readonly object?: string
  readonly related?: readonly { line?: number; column?: number; path?: string; object?: string }[]
}

export function compileText(files: string | Readonly<Record<string, string>>, settings: SettingsInput = { nodeName: 'node-a' }, format: Format = 'nft'): CompileResult {
  const sources = typeof files === 'string' ? [{ path: 'in.yaml', text: files }] : Object.entries(files).map(([path, text]) => ({ path, text }))
  return compile(sources, { format, settings })
}

export function shape(d: Diagnostic): Found {
  return {
    code: d.code,
    severity: d.severity,
    file: d.file,
    ...(d.line !== undefined ? { line: d.line, column: d.column! } : {}),
    ...(d.path ? { path: formatPath(d.path) } : {}),
    ...(d.doc !== undefined ? { doc: d.doc } : {}),
    ...(d.object ? { object: d.object } : {}),
    ...(d.related
      ? { related: d.related.map((r) => ({ ...(r.line !== undefined ? { line: r.line, column: r.column! } : {}), ...(r.path ? { path: formatPath(r.path) } : {}), ...(r.object ? { object: r.object } : {}) })) }
      : {}),
  }
}

/** Every diagnostic except notices (defaulted settings, conditions), shaped. */
export function problems(files: string | Readonly<Record<string, string>>, settings?: SettingsInput, format?: Format): Found[] {
  return compileText(files, settings, format).diagnostics.filter((d) => d.severity !== 'notice').map(shape)
}

export const SERVICE = `apiVersion: v1
kind: Service
metadata:
  namespace: shop
  name: web
spec:
  clusterIP: 10.96.0.10
  ports:
  - name: http
    port: 80
    protocol: TCP
`

export const SLICE = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: shop
  name: web-abc
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
ports:
- name: http
  port: 8080
  protocol: TCP
endpoints:
- addresses: [10.244.1.5]
  conditions: {ready: true}
  nodeName: node-a
`
