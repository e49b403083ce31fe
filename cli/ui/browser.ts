/**
 * Open a URL in the user's browser, as `gh browse` does: `$BROWSER` when set (a command, given the URL
 * as its one argument), else the platform's opener (`open` on macOS, `rundll32 url.dll,FileProtocolHandler` on Windows, `xdg-open`
 * elsewhere). Never waits for the browser; a missing opener is reported, not thrown.
 */
import { spawn } from 'node:child_process';

export function browserCommand(url: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): string[] {
  const chosen = env.BROWSER?.trim();
  if (chosen) return [...chosen.split(/\s+/), url];
  if (platform === 'darwin') return ['open', url];
  if (platform === 'win32') return ['rundll32', 'url.dll,FileProtocolHandler', url];
  return ['xdg-open', url];
}

/** Start the browser on `url`; resolves with null once it started, or with why it could not. */
export function openInBrowser(url: string): Promise<string | null> {
  const [file, ...args] = browserCommand(url);
  return new Promise((resolve) => {
    const child = spawn(file!, args, { stdio: 'ignore', detached: true });
    child.once('error', (err) => resolve(`${file}: ${err.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}
