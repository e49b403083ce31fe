import { describe, expect, it } from 'vitest';
import { resolveRevision, revisionQuery, shortRevision } from '../../../cli/deploy/revision-names.js';
import { UsageError } from '../../../cli/errors.js';

// two builds of one commit (another build context), and another commit
const A = '86096e5-33f02c718426';
const B = '86096e5-33f0aa000000';
const C = '1a2b3c4-0123456789ab';
const KNOWN = [A, B, C];

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('not refused');
}

describe('shortRevision', () => {
  it('the commit, the dash and 4 digits of the build; more only while another revision shares them', () => {
    expect(shortRevision(C, KNOWN)).toBe('1a2b3c4-0123');
    expect(shortRevision(A, KNOWN)).toBe('86096e5-33f02');
    expect(shortRevision(B, KNOWN)).toBe('86096e5-33f0a');
    expect(shortRevision(A, [A])).toBe('86096e5-33f0');
    expect(shortRevision('local-0123456789ab', [])).toBe('local-012345');
  });

  it('every short form resolves back to its revision', () => {
    for (const r of KNOWN) expect(resolveRevision(shortRevision(r, KNOWN), KNOWN)).toBe(r);
  });
});

describe('resolveRevision', () => {
  it('a whole revision, with or without rev-, or a start that names one alone', () => {
    expect(resolveRevision(revisionQuery(`rev-${A}`)!, KNOWN)).toBe(A);
    expect(resolveRevision(revisionQuery(A)!, KNOWN)).toBe(A);
    expect(resolveRevision(revisionQuery('1a2b')!, KNOWN)).toBe(C);
    expect(resolveRevision(revisionQuery('86096e5-33f0a')!, KNOWN)).toBe(B);
  });

  it('a start two builds share is refused, naming each as it would be shown', () => {
    expect(refusal(() => resolveRevision('86096e5', KNOWN))).toBe(
      '--to: "86096e5" names 2 revisions: 86096e5-33f02, 86096e5-33f0a (give more of it; `demo-fleet revisions` lists them)',
    );
    expect(refusal(() => resolveRevision('86096e5-33f0', KNOWN))).toMatch(/names 2 revisions/);
  });

  it('a whole revision the engine does not keep passes (the caller says it is gone); a start that names none is refused', () => {
    expect(resolveRevision('ffffff0-0123456789ab', KNOWN)).toBe('ffffff0-0123456789ab');
    expect(refusal(() => resolveRevision('ffff', KNOWN))).toBe(
      '--to: no revision on the engine starts with "ffff" (`demo-fleet revisions` lists them)',
    );
  });

  it('revisionQuery: hex starts and whole revisions only', () => {
    for (const bad of ['latest', 'sha-0123456', `${A}x`, '', '../x', 'HEAD', '86096E5']) expect(revisionQuery(bad), bad).toBeNull();
    expect(revisionQuery('local-0123456789ab')).toBe('local-0123456789ab');
    expect(revisionQuery('86096e5-')).toBe('86096e5-');
  });
});
