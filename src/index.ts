// Public API: the compiler, the renderers and the diagnostics formatter. Re-exports only.
export { compile, type CompileOptions, type CompileResult } from './compile.ts'
export type { Source } from './manifest/source.ts'
export type { Diagnostic, DiagnosticCode } from './diagnostics/diagnostic.ts'
export { formatDiagnostics } from './diagnostics/format.ts'
export { renderIptables } from './render/iptables/render.ts'
export type { Plan, FamilyPlan, ServicePortPlan } from './plan/types.ts'
export type { Rendered } from './render/line-writer.ts'
