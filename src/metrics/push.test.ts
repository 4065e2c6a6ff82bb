import { describe, expect, it } from 'vitest';
import { pushUrl } from './push.ts';

describe('pushUrl', () => {
  it('is <url>/metrics/job/<job>, whatever the trailing slashes', () => {
    expect(pushUrl('http://127.0.0.1:56789', 'backupconfiguration-demo-b')).toBe(
      'http://127.0.0.1:56789/metrics/job/backupconfiguration-demo-b',
    );
    expect(pushUrl('http://gw:56789/', 'j')).toBe('http://gw:56789/metrics/job/j');
    expect(pushUrl('http://gw/prefix//', 'a b')).toBe('http://gw/prefix/metrics/job/a%20b');
  });
});
