import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateDb } from './state-db.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the state file holds Secrets: it is private', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('Given a new state folder, When opened and written, Then the folder is 0700 and the database and its WAL 0600', () => {
    const root = mkdtempSync(join(tmpdir(), 'stowage-state-'));
    dirs.push(root);
    const file = join(root, 'state', 'state.db');
    const db = openStateDb(file);
    db.exec("INSERT INTO counters (name, value) VALUES ('x', 1)");
    expect(mode(join(root, 'state'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    db.close();
  });

  it('Given a database file left readable by others, When opened, Then it is made 0600', () => {
    const root = mkdtempSync(join(tmpdir(), 'stowage-state-'));
    dirs.push(root);
    const file = join(root, 'state.db');
    writeFileSync(file, '', { mode: 0o644 });
    openStateDb(file).close();
    expect(mode(file)).toBe(0o600);
  });
});
