// Cross-object checks, one per file, run in a fixed order (graphql-js's validation rules).
import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import type { Model } from '../types.ts'
import { uniqueFrontendsRule } from './unique-frontends.ts'
import { uniqueNodePortsRule } from './unique-node-ports.ts'

export type ModelRule = (model: Model) => Diagnostic[]

export const modelRules: readonly ModelRule[] = [uniqueFrontendsRule, uniqueNodePortsRule]

export function checkModel(model: Model, rules: readonly ModelRule[] = modelRules): Diagnostic[] {
  return rules.flatMap((rule) => rule(model))
}
