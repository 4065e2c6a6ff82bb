import { describe, expect, it } from 'vitest';
import { createProcessMetrics } from './process-metrics.ts';

describe('createProcessMetrics', () => {
  it('counts sessions and bytes in its own registry', async () => {
    const m = createProcessMetrics();
    const s = { kind: 'BackupSession' as const, namespace: 'demo', invoker: 'sample-es-backup' };
    m.sessionStarted(s);
    m.sessionStarted(s);
    m.sessionFinished(s, 'Succeeded', 42);
    m.backupBytes(s, { uploaded: 1024, total: 4096 });
    const text = await m.metrics();
    expect(text).toContain(
      'stowage_sessions_started_total{kind="BackupSession",namespace="demo",invoker="sample-es-backup"} 2',
    );
    expect(text).toContain(
      'stowage_sessions_finished_total{kind="BackupSession",namespace="demo",invoker="sample-es-backup",phase="Succeeded"} 1',
    );
    expect(text).toContain(
      'stowage_session_duration_seconds_count{kind="BackupSession",phase="Succeeded"} 1',
    );
    expect(text).toContain(
      'stowage_backup_uploaded_bytes_total{namespace="demo",invoker="sample-es-backup"} 1024',
    );
    expect(text).toContain(
      'stowage_backup_data_bytes_total{namespace="demo",invoker="sample-es-backup"} 4096',
    );
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  it('can leave out the default metrics, and two instances do not collide', async () => {
    const a = createProcessMetrics({ defaultMetrics: false });
    const b = createProcessMetrics({ defaultMetrics: false });
    a.sessionStarted({ kind: 'RestoreSession', namespace: 'n', invoker: 'r' });
    expect(await a.metrics()).not.toContain('process_cpu');
    expect(await b.metrics()).not.toContain('stowage_sessions_started_total{');
  });
});
