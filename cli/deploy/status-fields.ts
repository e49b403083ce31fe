/**
 * The fields of a `status` row (EventStatus in status.ts, which checks this is every one), in the order
 * `status --json <fields>` lists them. Its own module: the command's --help reads it without loading the engine.
 */
export const STATUS_FIELDS = [
  'event',
  'container',
  'state',
  'health',
  'image',
  'revision',
  'commit',
  'started',
  'restarts',
  'node',
  'hostname',
  'inFleet',
  'tailnet',
  'url',
  'funnel',
  'loginUrl',
] as const;

export type StatusField = (typeof STATUS_FIELDS)[number];
