import { writeFileSync } from 'node:fs';
import { embeddedModuleSource } from '../saved-objects.js';
import { savedObjectsNdjson } from './definition.js';

/** Writes `geotech.ndjson` from `definition.ts`, and embeds it into `saved-objects.generated.ts`. */
const source = new URL('./geotech.ndjson', import.meta.url);
const target = new URL('./saved-objects.generated.ts', import.meta.url);
const ndjson = savedObjectsNdjson();
writeFileSync(source, ndjson);
writeFileSync(target, embeddedModuleSource(ndjson));
console.log(`wrote ${source.pathname.split('/').at(-1)} and embedded it into ${target.pathname.split('/').at(-1)}`);
