// The whole compiler, one phase per line: load → validate → model → settings → rules → plan. Pure.
import { capErrors, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.ts'
import { loadManifests } from './manifest/load.ts'
import type { Source } from './manifest/source.ts'
import { validateManifests } from './manifest/validate.ts'
import { buildModel } from './model/build.ts'
import { checkModel } from './model/rules/index.ts'
import { resolveSettings, type Format, type SettingsInput } from './model/settings.ts'
import type { Model } from './model/types.ts'
import { buildPlan } from './plan/build.ts'
import type { Plan } from './plan/types.ts'

export interface CompileOptions {
  /** Decides kube-proxy's backend-specific defaults (nodePortAddresses, masquerade settings). */
  readonly format: Format
  readonly settings: SettingsInput
}

export type CompileResult =
  | { readonly ok: true; readonly plan: Plan; readonly model: Model; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }

/**
 * Never throws for bad input: stops after the first phase with errors and reports every error
 * of that phase (capped), sorted. On success `diagnostics` holds warnings and notices only.
 */
export function compile(sources: readonly Source[], options: CompileOptions): CompileResult {
  const loaded = loadManifests(sources)
  if (hasErrors(loaded.diagnostics)) return failed(loaded.diagnostics)

  const validated = validateManifests(loaded.objects)
  if (hasErrors(validated.diagnostics)) return failed([...loaded.diagnostics, ...validated.diagnostics])

  const built = buildModel(validated.manifests)
  const resolved = resolveSettings(options.settings, options.format, validated.manifests.configs, built.model.nodes)
  const ruleDiagnostics = checkModel(built.model)
  const diagnostics = [...loaded.diagnostics, ...validated.diagnostics, ...built.diagnostics, ...resolved.diagnostics, ...ruleDiagnostics]
  if (hasErrors(diagnostics)) return failed(diagnostics)

  return { ok: true, plan: buildPlan(built.model, resolved.settings), model: built.model, diagnostics: sortDiagnostics(diagnostics) }
}

function failed(diagnostics: readonly Diagnostic[]): CompileResult {
  return { ok: false, diagnostics: capErrors(diagnostics) }
}
