import type { Command } from 'commander';
import { schemaText } from '../fleet/schema-file.js';

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the fleet file (generated from the validator itself)')
    .addHelpText('after', '\nExample:\n  $ demo-fleet schema > fleet.schema.json')
    .action(() => {
      process.stdout.write(schemaText());
    });
}
