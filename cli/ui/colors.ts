/**
 * Colours for one output stream: on a terminal only, never with NO_COLOR set (https://no-color.org: any
 * non-empty value) or TERM=dumb, and never when the stream is piped or redirected.
 */
export interface Palette {
  green: (s: string) => string;
  red: (s: string) => string;
  yellow: (s: string) => string;
  cyan: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

const COLOURED: Palette = {
  green: sgr(32, 39),
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
  dim: sgr(2, 22),
  bold: sgr(1, 22),
};

const same = (s: string) => s;
const PLAIN: Palette = { green: same, red: same, yellow: same, cyan: same, dim: same, bold: same };

export function palette(enabled: boolean): Palette {
  return enabled ? COLOURED : PLAIN;
}

/** The text without SGR colour codes (for widths). */
export function visible(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}
