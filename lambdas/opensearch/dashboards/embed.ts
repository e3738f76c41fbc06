import { readFileSync, writeFileSync } from 'node:fs';
import { embeddedModuleSource } from '../saved-objects.js';

/** Rewrites `saved-objects.generated.ts` from `geotech.ndjson`. */
const source = new URL('./geotech.ndjson', import.meta.url);
const target = new URL('./saved-objects.generated.ts', import.meta.url);
writeFileSync(target, embeddedModuleSource(readFileSync(source, 'utf8')));
console.log(`embedded ${source.pathname.split('/').at(-1)} into ${target.pathname.split('/').at(-1)}`);
