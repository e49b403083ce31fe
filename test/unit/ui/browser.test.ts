/** `open`'s browser: $BROWSER wins (as gh's), else the platform's opener; the URL is one argument. */
import { describe, expect, it } from 'vitest';
import { browserCommand } from '../../../cli/ui/browser.js';

const URL = 'http://127.0.0.1:4242/';

describe('browserCommand', () => {
  it('$BROWSER, with its own arguments, then the URL', () => {
    expect(browserCommand(URL, { BROWSER: 'firefox --new-tab' }, 'linux')).toEqual(['firefox', '--new-tab', URL]);
  });

  it('else the platform opener', () => {
    expect(browserCommand(URL, {}, 'linux')).toEqual(['xdg-open', URL]);
    expect(browserCommand(URL, { BROWSER: '  ' }, 'darwin')).toEqual(['open', URL]);
    expect(browserCommand(URL, {}, 'win32')).toEqual(['rundll32', 'url.dll,FileProtocolHandler', URL]);
  });
});
