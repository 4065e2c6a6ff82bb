import { describe, expect, it } from 'vitest';
import { createProcessMetrics } from './process-metrics.ts';

describe('createProcessMetrics', () => {
  it('times reconciles by kind and result in its own registry, next to the default metrics', async () => {
    const m = createProcessMetrics();
    m.reconciled('BackupConfiguration', 0.02, true);
    m.reconciled('BackupConfiguration', 0.3, false);
    const text = await m.metrics();
    expect(text).toContain(
      'stowage_reconcile_duration_seconds_count{kind="BackupConfiguration",result="success"} 1',
    );
    expect(text).toContain(
      'stowage_reconcile_duration_seconds_bucket{le="0.025",kind="BackupConfiguration",result="success"} 1',
    );
    expect(text).toContain(
      'stowage_reconcile_duration_seconds_bucket{le="0.25",kind="BackupConfiguration",result="error"} 0',
    );
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  it('can leave out the default metrics, and two instances do not collide', async () => {
    const a = createProcessMetrics({ defaultMetrics: false });
    const b = createProcessMetrics({ defaultMetrics: false });
    a.reconciled('RestoreSession', 1, true);
    expect(await a.metrics()).not.toContain('process_cpu');
    expect(await b.metrics()).not.toContain('stowage_reconcile_duration_seconds_count{');
  });
});
