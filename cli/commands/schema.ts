import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the fleet file (generated from the validator itself)')
    .addHelpText('after', '\nExample:\n  $ demo-fleet schema > fleet.schema.json')
    .action(async () => {
      const { schemaText } = await import('../fleet/schema-file.js');
      process.stdout.write(schemaText());
    });
}
