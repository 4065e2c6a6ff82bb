// Fixtures are lines restic 0.19.1 printed.
import { describe, expect, it } from 'vitest';
import * as json from './json-messages.ts';

const summaryLine =
  '{"message_type":"summary","files_new":1,"files_changed":0,"files_unmodified":0,"dirs_new":1,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":1,"tree_blobs":2,"data_added":706,"data_added_packed":668,"total_files_processed":1,"total_bytes_processed":6,"total_duration":0.526159679,"backup_start":"2026-11-25T08:32:27.201215222Z","backup_end":"2026-11-25T08:32:27.727374901Z","snapshot_id":"2525aad3c0d1dc43cfa303921eff73feb0a85c74b907d6f432ab72d55d5cfcef"}';

const snap = (id: string, extra = ''): string =>
  `{"time":"2026-11-25T08:32:27.2Z","tree":"a9","paths":["/tmp/rx/d"],"hostname":"h1","username":"root"${extra},"program_version":"restic 0.19.1","summary":{"files_new":1,"total_files_processed":1,"total_bytes_processed":6},"id":"${id}","short_id":"${id.slice(0, 8)}"}`;

describe('parseMessageLine', () => {
  it('backup summary', () => {
    expect(json.parseMessageLine(summaryLine)).toMatchObject({
      kind: 'backup-summary',
      summary: {
        snapshotId: '2525aad3c0d1dc43cfa303921eff73feb0a85c74b907d6f432ab72d55d5cfcef',
        filesNew: 1,
        filesChanged: 0,
        filesUnmodified: 0,
        totalFilesProcessed: 1,
        dataAdded: 706,
        totalBytesProcessed: 6,
        totalDurationSeconds: 0.526159679,
      },
    });
  });
  it('backup status', () => {
    expect(
      json.parseMessageLine(
        '{"message_type":"status","seconds_elapsed":2,"percent_done":0.5,"total_files":4,"files_done":2,"total_bytes":100,"bytes_done":50}',
      ),
    ).toEqual({
      kind: 'progress',
      progress: {
        percentDone: 0.5,
        bytesDone: 50,
        totalBytes: 100,
        filesDone: 2,
        totalFiles: 4,
        secondsElapsed: 2,
      },
    });
  });
  it('restore status and an early status without counters', () => {
    expect(
      json.parseMessageLine(
        '{"message_type":"status","seconds_elapsed":1,"percent_done":0.25,"total_files":4,"files_restored":1,"total_bytes":8,"bytes_restored":2}',
      ),
    ).toMatchObject({ kind: 'progress', progress: { bytesDone: 2, filesDone: 1, totalBytes: 8 } });
    expect(json.parseMessageLine('{"message_type":"status","percent_done":0}')).toMatchObject({
      kind: 'progress',
      progress: { percentDone: 0, bytesDone: 0, secondsElapsed: 0 },
    });
  });
  it('item error and exit error', () => {
    expect(
      json.parseMessageLine(
        '{"message_type":"error","error":{"message":"failed to save /db.sql: Fatal: command failed: exit status 3"},"during":"archival","item":"/db.sql"}',
      ),
    ).toEqual({
      kind: 'error',
      message: 'failed to save /db.sql: Fatal: command failed: exit status 3',
      item: '/db.sql',
    });
    expect(
      json.parseMessageLine(
        '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}',
      ),
    ).toEqual({
      kind: 'exit-error',
      code: 12,
      message: 'Fatal: wrong password or no key found',
    });
  });
  it('non-JSON and unknown lines', () => {
    expect(json.parseMessageLine('no parent snapshot found')).toBeUndefined();
    expect(json.parseMessageLine('{broken')).toBeUndefined();
    expect(json.parseMessageLine('{"message_type":"verbose_status"}')).toMatchObject({ kind: 'other' });
  });
});

describe('exitReason', () => {
  it('takes the first line of the last exit_error, without "Fatal: "', () => {
    const stderr = [
      'some warning',
      '{"message_type":"exit_error","code":10,"message":"Fatal: repository does not exist: unable to open config file\\nIs there a repository at the following location?"}',
    ].join('\n');
    expect(json.exitReason(stderr)).toBe('repository does not exist: unable to open config file');
    expect(json.exitReason('plain text only')).toBeUndefined();
  });
});

describe('listing verbs', () => {
  it('snapshots', () => {
    const out = `[${snap('2525aad3c0d1dc43cfa303921eff73feb0a85c74b907d6f432ab72d55d5cfcef', ',"tags":["t1"]')},${snap('90ab2c7f62c7af09e958b0ed8fdcdb0298600a822e6667dea678bf190729170f')}]`;
    const got = json.parseSnapshots(out);
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual({
      id: '2525aad3c0d1dc43cfa303921eff73feb0a85c74b907d6f432ab72d55d5cfcef',
      shortId: '2525aad3',
      time: '2026-11-25T08:32:27.2Z',
      hostname: 'h1',
      paths: ['/tmp/rx/d'],
      tags: ['t1'],
      totalBytes: 6,
    });
    expect(got[1]?.tags).toEqual([]);
    expect(json.parseSnapshots('[]')).toEqual([]);
    expect(json.parseSnapshots('null')).toEqual([]);
  });
  it('forget sums kept and removed over groups', () => {
    const out = `[{"tags":null,"host":"h1","paths":["/d"],"keep":[${snap('a'.repeat(64))},${snap('b'.repeat(64))}],"remove":[${snap('c'.repeat(64))}],"reasons":[]},{"host":"h2","keep":[${snap('d'.repeat(64))}],"remove":null}]`;
    expect(json.parseForget(out)).toEqual({ kept: 3, removed: 1 });
    expect(json.parseForget('')).toEqual({ kept: 0, removed: 0 });
  });
  it('stats', () => {
    expect(json.parseStats('{"total_size":545,"total_uncompressed_size":802,"snapshots_count":2}')).toEqual({
      totalSize: 545,
    });
    expect(() => json.parseStats('')).toThrow(/no JSON/);
  });
  it('check summary', () => {
    expect(
      json.parseCheckSummary(
        '{"message_type":"summary","num_errors":0,"broken_packs":null,"suggest_repair_index":false,"suggest_prune":false}',
      ),
    ).toEqual({
      numErrors: 0,
      suggestRepairIndex: false,
      suggestPrune: false,
    });
    expect(json.parseCheckSummary('load indexes')).toBeUndefined();
  });
  it('locks', () => {
    const id = 'f'.repeat(64);
    expect(json.parseIdList(`${id}\nnot an id\n`)).toEqual([id]);
    expect(
      json.parseLock(
        id,
        '{\n  "time": "2026-11-25T08:32:42.46Z",\n  "exclusive": false,\n  "hostname": "vm",\n  "username": "root",\n  "pid": 13245\n}',
      ),
    ).toEqual({ id, hostname: 'vm', pid: 13245, exclusive: false, time: '2026-11-25T08:32:42.46Z' });
  });
  it('version, JSON and text', () => {
    expect(json.parseVersion('{"message_type":"version","version":"0.19.1","go_version":"go1.26.8"}')).toBe(
      '0.19.1',
    );
    expect(json.parseVersion('restic 0.16.4 compiled with go1.22 on linux/amd64')).toBe('0.16.4');
    expect(() => json.parseVersion('nope')).toThrow(/cannot read/);
  });
});
