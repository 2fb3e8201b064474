// Cross-object checks, one per file, run in a fixed order (graphql-js's validation rules).
import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import type { ValidatedManifests } from '../../manifest/validate.ts'
import type { Model } from '../types.ts'
import { sliceReferencesServiceRule } from './slice-references-service.ts'
import { uniqueObjectsRule } from './unique-objects.ts'
import { uniqueFrontendsRule } from './unique-frontends.ts'
import { uniqueNodePortsRule } from './unique-node-ports.ts'

export type ModelRule = (model: Model) => Diagnostic[]

export const modelRules: readonly ModelRule[] = [uniqueFrontendsRule, uniqueNodePortsRule]

export function checkModel(model: Model, rules: readonly ModelRule[] = modelRules): Diagnostic[] {
  return rules.flatMap((rule) => rule(model))
}

export type ManifestRule = (manifests: ValidatedManifests) => Diagnostic[]

/** Rules over the validated objects themselves: what they check is gone once the model is built. */
export const manifestRules: readonly ManifestRule[] = [uniqueObjectsRule, sliceReferencesServiceRule]

export function checkManifests(manifests: ValidatedManifests, rules: readonly ManifestRule[] = manifestRules): Diagnostic[] {
  return rules.flatMap((rule) => rule(manifests))
}
