import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../lambdas/shared/versions.js';

describe('compareVersions', () => {
  it('compares each part as a number, not as text', () => {
    expect(compareVersions('2.19.6', '2.9.0')).toBeGreaterThan(0);
    expect(compareVersions('13.11', '13.9')).toBeGreaterThan(0);
    expect(compareVersions('14.8', '15.3')).toBeLessThan(0);
    expect(compareVersions('16.4', '16.4')).toBe(0);
  });

  it('counts a missing part as 0', () => {
    expect(compareVersions('16.1', '16.1.0')).toBe(0);
    expect(compareVersions('2.4.1', '2.4')).toBeGreaterThan(0);
    expect(compareVersions('3', '2.19.6')).toBeGreaterThan(0);
  });

  it('sorts oldest first', () => {
    expect(['2.9.0', '2.19.6', '2.19.1', '2.4.1'].sort(compareVersions)).toEqual(['2.4.1', '2.9.0', '2.19.1', '2.19.6']);
    expect(['16.10', '16.2', '9.6', '13.11'].sort(compareVersions)).toEqual(['9.6', '13.11', '16.2', '16.10']);
  });
});
