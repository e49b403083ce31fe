import type { Command } from 'commander';
import type { Cli } from './context.js';

export function register(program: Command, cli: Cli): void {
  program
    .command('schema')
    .description('print the JSON Schema of the fleet file (generated from the validator itself)')
    .addHelpText('after', '\nExample:\n  $ demo-fleet schema > fleet.schema.json')
    .action(async () => {
      const { schemaText } = await import('../fleet/schema-file.js');
      cli.io.stdout.write(schemaText());
    });
}
