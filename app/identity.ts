/**
 * Reads the identity that `tailscale serve` puts in request headers.
 *
 * Serve strips any client-sent Tailscale-* headers and sets its own, but only on the connection it
 * makes to the app, which comes from loopback. On any other connection the headers are whatever the
 * client chose to send, so they are trusted only from a loopback peer.
 */
import { decodeRfc2047 } from './rfc2047.js';

const IDENTITY_HEADERS = {
  login: 'tailscale-user-login',
  name: 'tailscale-user-name',
  profilePic: 'tailscale-user-profile-pic',
} as const;
const FUNNEL_HEADER = 'tailscale-funnel-request';

/** Lower-cased names of the headers that carry a visitor's identity (login, name, profile picture). */
export const IDENTITY_HEADER_NAMES: readonly string[] = Object.values(IDENTITY_HEADERS);

export interface Identity {
  /** A tailnet user was named by trusted headers (and the request did not come through Funnel). */
  identified: boolean;
  /** Decoded `Tailscale-User-Login`; may have no `@` (headscale CLI users). Empty when not identified. */
  login: string;
  /** Decoded `Tailscale-User-Name`. Empty when not identified. */
  name: string;
  /** `Tailscale-User-Profile-Pic` when it is an https URL, else null. */
  profilePic: string | null;
  /** A trusted `Tailscale-Funnel-Request: ?1`: an internet visitor, always shown the stranger view. */
  funnel: boolean;
  /** The peer is loopback, so Tailscale-* headers (if any) come from serve. */
  trusted: boolean;
}

type HeaderValue = string | string[] | undefined;
export type HeaderBag = Readonly<Record<string, HeaderValue>>;

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x.x.x (::ffff:127.0.0.1). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1') return true;
  const addr = address.toLowerCase();
  if (addr === '::1' || addr === '0:0:0:0:0:0:0:1') return true;
  const v4 = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return isIPv4Loopback(v4);
}

function isIPv4Loopback(addr: string): boolean {
  const parts = addr.split('.');
  if (parts.length !== 4 || parts[0] !== '127') return false;
  return parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function first(value: HeaderValue): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? (value[0] ?? '') : value;
}

/** RFC 2047 encoded-words (`=?utf-8?q?Zo=C3=AB?=`) to text; plain ASCII passes through. */
export function decodeHeaderText(value: string): string {
  return decodeRfc2047(value).trim();
}

/** The URL when it parses as https, else null (no http:, data:, javascript: avatars). */
export function httpsUrl(value: string): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Names of identity headers present (non-empty) in a request, whoever sent them. */
export function presentIdentityHeaders(headers: HeaderBag): string[] {
  const present: string[] = [];
  for (const name of Object.values(IDENTITY_HEADERS)) {
    if (first(headers[name]).trim() !== '') present.push(name);
  }
  return present;
}

function stranger(funnel: boolean, trusted: boolean): Identity {
  return { identified: false, login: '', name: '', profilePic: null, funnel, trusted };
}

/** Identity of a request from its (lower-cased, node-style) headers and the TCP peer address. */
export function readIdentity(headers: HeaderBag, peerAddress: string | undefined): Identity {
  const trusted = isLoopback(peerAddress);
  if (!trusted) return stranger(false, false);
  const funnel = first(headers[FUNNEL_HEADER]).trim() === '?1';
  if (funnel) return stranger(true, true);
  const login = decodeHeaderText(first(headers[IDENTITY_HEADERS.login]));
  const name = decodeHeaderText(first(headers[IDENTITY_HEADERS.name]));
  if (!login && !name) return stranger(false, true);
  const profilePic = httpsUrl(first(headers[IDENTITY_HEADERS.profilePic]));
  return { identified: true, login, name, profilePic, funnel, trusted };
}
