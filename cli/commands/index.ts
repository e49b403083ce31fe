/** Every command, in the order `--help` lists them. Each file only parses, calls core, prints. */
import type { Command } from 'commander';
import type { Cli } from './context.js';
import * as init from './init.js';
import * as add from './add.js';
import * as remove from './remove.js';
import * as list from './list.js';
import * as render from './render.js';
import * as schema from './schema.js';
import * as build from './build.js';
import * as up from './up.js';
import * as status from './status.js';
import * as logs from './logs.js';
import * as down from './down.js';
import * as exec from './exec.js';
import * as open from './open.js';
import * as lock from './lock.js';
import * as publish from './publish.js';
import * as doctor from './doctor.js';
import * as restart from './restart.js';
import * as completion from './completion.js';
import * as retire from './retire.js';
import * as rollback from './rollback.js';
import * as prune from './prune.js';
import * as audit from './audit.js';
import * as revisions from './revisions.js';

export function registerCommands(program: Command, cli: Cli): void {
  for (const command of [
    init,
    add,
    remove,
    list,
    render,
    schema,
    build,
    up,
    status,
    logs,
    exec,
    open,
    restart,
    down,
    retire,
    lock,
    publish,
    doctor,
    completion,
  ])
    command.register(program, cli);
  for (const command of [rollback, revisions, prune, audit]) command.register(program, cli);
}
