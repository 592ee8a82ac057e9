// Writes deployctl.schema.json, the JSON Schema of deployctl.yaml for editors, from the zod schema
// in src/config/schema.ts (run after the build: `npm run schema`). A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import prettier from 'prettier';
import { configJsonSchema } from '../dist/src/config/schema.js';

const file = 'deployctl.schema.json';
const options = (await prettier.resolveConfig(file)) ?? {};
writeFileSync(file, await prettier.format(JSON.stringify(configJsonSchema()), { ...options, filepath: file }));
