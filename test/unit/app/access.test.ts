import { describe, expect, it } from 'vitest';
import { createAccessPolicy, hasFilters, isAllowed, loginDomain } from '../../../app/access.js';

describe('access policy', () => {
  it('allows everyone with no filters', () => {
    const p = createAccessPolicy();
    expect(hasFilters(p)).toBe(false);
    expect(isAllowed('anyone', p)).toBe(true);
    expect(hasFilters(createAccessPolicy([' ', ''], []))).toBe(false);
  });

  it('takes the domain after the last @', () => {
    expect(loginDomain('a@b@Example.com')).toBe('example.com');
    expect(loginDomain('alice')).toBe('');
  });

  it('normalises configured domains (case, blanks, leading @)', () => {
    const p = createAccessPolicy([' @Example.COM '], undefined);
    expect(isAllowed('zoe@example.com', p)).toBe(true);
    expect(isAllowed('zoe@sub.example.com', p)).toBe(false);
  });

  it('requires every configured filter', () => {
    const p = createAccessPolicy(['example.com'], ['zoe@example.com', 'bob@other.org']);
    expect(isAllowed('ZOE@example.com', p)).toBe(true);
    expect(isAllowed('ann@example.com', p)).toBe(false);
    expect(isAllowed('bob@other.org', p)).toBe(false);
  });
});
