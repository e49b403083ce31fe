/**
 * The fleet file's schema: the single definition of what a fleet file may say. The JSON Schema that
 * editors use (`demo-fleet schema`) is generated from it, so the two cannot drift.
 */
import { z } from 'zod';

/** Event names become hostnames, container names and image tags: DNS labels. */
export const EVENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_LABEL_HINT = 'lowercase letters, digits and "-", at most 63, not starting or ending with "-"';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const duration = z
  .string()
  .regex(/^\d+(ms|s|m)$/, { error: 'must be a duration like "500ms", "10s" or "2m"' });

export const AuthKeySource = z.union([
  z.strictObject({
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' })
      .describe('Name of the environment variable that holds the auth key at render time'),
  }),
  z.strictObject({
    file: z.string().min(1).describe('Path of a file holding the auth key (relative to the fleet file)'),
  }),
]);

export const ServeMode = z.enum(['https', 'http', 'tcp', 'tls-terminated-tcp']);

export const EventSchema = z
  .strictObject({
    inviteLink: httpUrl.optional().describe('Tailnet invite link shown to internet strangers (DEMO_INVITE_LINK)'),
    funnel: z.boolean().default(false).describe('Open the demo to the internet with Tailscale Funnel'),
    hostname: z
      .string()
      .regex(EVENT_NAME, { error: `must be a DNS label (${DNS_LABEL_HINT})` })
      .optional()
      .describe('Tailnet hostname; default <event><year>'),
    year: z.number().int().min(2000).max(2999).optional().describe('Overrides the fleet year for this event'),
    serveMode: ServeMode.optional().describe('tailscale serve mode; default https, or http with a headscale login server'),
    tz: z.string().min(1).optional().describe('Time zone of this event (TZ)'),
    ssh: z.boolean().default(false).describe('Enable Tailscale SSH into the container'),
    authKey: AuthKeySource.optional().describe('Where the auth key comes from; never the key itself'),
  })
  .describe('One conference event: one container');

/**
 * Event names as record keys. Checked in superRefine below (for a message naming the event); the JSON
 * Schema gets the same pattern through `override` in fleetJsonSchema, so editors flag a bad name too.
 */
const EventNameKey = z.string();

export const HealthSchema = z.strictObject({
  interval: duration.default('10s'),
  timeout: duration.default('3s'),
  retries: z.number().int().min(1).max(100).default(3),
  startPeriod: duration.default('5s'),
});

export const FleetSchema = z
  .strictObject({
    name: z
      .string()
      .regex(EVENT_NAME, { error: `must be a DNS label (${DNS_LABEL_HINT})` })
      .default('id-demo')
      .describe('Fleet name: containers are <name>-<event>; a deploy lock is per fleet'),
    image: z
      .string()
      .regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*$/, { error: 'must be an image repository without a tag, e.g. ghcr.io/you/demo-id-headers' })
      .default('demo-fleet/id-headers-demo')
      .describe('Image repository; each event runs <image>:<event>'),
    baseImage: z
      .string()
      .min(1)
      .default('ghcr.io/linuxserver/baseimage-alpine:3.22')
      .describe('Base image of the app image (a linuxserver base with s6-overlay /init)'),
    pull: z.boolean().default(false).describe('up pulls published images instead of building'),
    year: z.number().int().min(2000).max(2999).default(new Date().getFullYear()),
    appdata: z.string().min(1).default('./appdata').describe('State dirs live at <appdata>/<year>/<event>'),
    puid: z.number().int().min(0).default(1000),
    pgid: z.number().int().min(0).default(1000),
    tz: z.string().min(1).default('Etc/UTC'),
    dockerMods: z.array(z.string().min(1)).default(['ghcr.io/tailscale-dev/docker-mod:main']),
    loginServer: httpUrl.optional().describe('headscale URL (TAILSCALE_LOGIN_SERVER); Tailscale when absent'),
    tailnetDomain: z
      .string()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, { error: 'must be a DNS name like tail1234.ts.net' })
      .optional()
      .describe('MagicDNS domain; sets TAILSCALE_URL=https://<hostname>.<tailnetDomain>'),
    health: HealthSchema.default(HealthSchema.parse({})),
    events: z.record(EventNameKey, EventSchema).default({}),
  })
  .superRefine((fleet, ctx) => {
    for (const [name, event] of Object.entries(fleet.events)) {
      if (!EVENT_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: ['events', name], message: `event name "${name}" must be a DNS label (${DNS_LABEL_HINT})` });
      }
      if (fleet.loginServer && event.funnel) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', name, 'funnel'],
          message: 'headscale has no Funnel: set funnel: false, or remove loginServer to use Tailscale',
        });
      }
    }
  });

export type Fleet = z.output<typeof FleetSchema>;
export type FleetEvent = z.output<typeof EventSchema>;
export type FleetInput = z.input<typeof FleetSchema>;
export type EventInput = z.input<typeof EventSchema>;

/** JSON Schema of the fleet file, for editors (yaml-language-server) and `demo-fleet schema`. */
export function fleetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(FleetSchema, {
      io: 'input',
      unrepresentable: 'any',
      override: (ctx) => {
        if (ctx.zodSchema === EventNameKey) Object.assign(ctx.jsonSchema, { pattern: EVENT_NAME.source });
      },
    }),
    title: 'demo-fleet fleet file',
  };
}
