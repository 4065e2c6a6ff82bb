import { describe, expect, it } from 'vitest';
import { addonForTask, addonNames, getAddon, parseAddonTaskName } from './registry.ts';

describe('addon registry', () => {
  it.each([
    ['postgres-backup-15.1', { addon: 'postgres', direction: 'backup', version: '15.1' }],
    ['postgres-restore-9.6.19', { addon: 'postgres', direction: 'restore', version: '9.6.19' }],
    ['postgres-backup-11.9-v5', { addon: 'postgres', direction: 'backup', version: '11.9-v5' }],
    ['elasticsearch-backup-7.3.2', { addon: 'elasticsearch', direction: 'backup', version: '7.3.2' }],
    ['percona-xtradb-restore-5.7', { addon: 'percona-xtradb', direction: 'restore', version: '5.7' }],
  ])('parses %s', (name, want) => {
    expect(parseAddonTaskName(name)).toEqual(want);
  });

  it.each(['pvc-backup', 'update-status', 'postgres-backup-', 'postgres-15.1', 'postgres-backup-latest'])(
    'rejects %s',
    (name) => {
      expect(parseAddonTaskName(name)).toBeUndefined();
    },
  );

  it('maps postgres Task names to the postgres addon, unknown families to nothing', () => {
    expect(addonNames()).toContain('postgres');
    expect(addonForTask('postgres-backup-16.1')).toBe(getAddon('postgres'));
    expect(addonForTask('postgres-restore-13.1')?.name).toBe('postgres');
    expect(addonForTask('elasticsearch-backup-7.3.2')?.name).toBe('elasticsearch');
    expect(addonForTask('opensearch-restore-2.19.0')?.name).toBe('opensearch');
    expect(addonForTask('mongodb-backup-4.4.6')).toBeUndefined();
  });
});
