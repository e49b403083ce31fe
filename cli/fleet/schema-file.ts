/** fleet.schema.json beside the fleet file, which its `# yaml-language-server: $schema=` comment points to. */
import path from 'node:path';
import { atomicWrite } from '../util/atomic-write.js';
import { SCHEMA_FILE } from './edit.js';
import { fleetJsonSchema } from './schema.js';

export function schemaText(): string {
  return `${JSON.stringify(fleetJsonSchema(), null, 2)}\n`;
}

export async function writeSchemaFile(dir: string): Promise<string> {
  const file = path.join(dir, SCHEMA_FILE);
  await atomicWrite(file, schemaText());
  return file;
}
