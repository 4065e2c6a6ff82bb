import { describe, expect, it } from 'vitest';
import { getAddon } from './registry.ts';

describe('addon registry', () => {
  it.each(['postgres', 'elasticsearch', 'opensearch'])('serves the %s addon under its name', (name) => {
    expect(getAddon(name)?.name).toBe(name);
  });

  it('has nothing for a family Stowage does not cover', () => {
    expect(getAddon('mongodb')).toBeUndefined();
  });
});
