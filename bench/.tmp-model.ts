import { loadManifests } from '../src/manifest/load.ts'
import { validateManifests } from '../src/manifest/validate.ts'
import { buildModel } from '../src/model/build.ts'
import { checkManifests } from '../src/model/rules/index.ts'
import { generateCluster } from './generate.ts'
const { text } = generateCluster({ services: 10000, endpointsPerService: 10 }, 'json')
const t = (l: string, f: () => unknown) => { const c0 = process.cpuUsage(); const r = f(); const c = process.cpuUsage(c0); console.log(l, ((c.user + c.system) / 1000).toFixed(0)); return r as any }
const loaded = t('load', () => loadManifests([{ path: 'c.json', text }]))
const v = t('validate', () => validateManifests(loaded.objects))
t('validate again', () => validateManifests(loaded.objects))
t('checkManifests', () => checkManifests(v.manifests))
t('buildModel', () => buildModel(v.manifests))
t('buildModel again', () => buildModel(v.manifests))
