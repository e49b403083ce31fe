/**
 * The fields of a `list` row (EventSummary in summary.ts, which checks this is every one), in the order
 * `list --json <fields>` lists them. Its own module: the command's --help reads it without loading the fleet code.
 */
export const SUMMARY_FIELDS = ['event', 'container', 'hostname', 'funnel', 'serveMode', 'inviteLink', 'authKey'] as const;

export type SummaryField = (typeof SUMMARY_FIELDS)[number];
