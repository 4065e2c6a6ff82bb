import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { pushUrl, writeMetricsFile } from './push.ts';

describe('pushUrl', () => {
  it('is <url>/metrics/job/<job>, whatever the trailing slashes', () => {
    expect(pushUrl('http://127.0.0.1:56789', 'backupconfiguration-demo-b')).toBe(
      'http://127.0.0.1:56789/metrics/job/backupconfiguration-demo-b',
    );
    expect(pushUrl('http://gw:56789/', 'j')).toBe('http://gw:56789/metrics/job/j');
    expect(pushUrl('http://gw/prefix//', 'a b')).toBe('http://gw/prefix/metrics/job/a%20b');
  });
});

describe('writeMetricsFile', () => {
  it('writes the text exposition to <dir>/metric.prom', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-metrics-'));
    try {
      const registry = new Registry();
      new Gauge({ name: 'stash_backup_session_success', help: 'h', registers: [registry] }).set(1);
      const file = await writeMetricsFile(registry, join(dir, 'nested'));
      expect(file).toBe(join(dir, 'nested', 'metric.prom'));
      expect(await readFile(file, 'utf8')).toContain('stash_backup_session_success 1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
