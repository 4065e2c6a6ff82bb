/**
 * The embedded state of the standalone runtime: one SQLite file (node:sqlite, no native addon to
 * build) shared by `serve` and the step processes it starts. WAL mode plus a busy timeout lets
 * several processes read and write; every read-modify-write runs in BEGIN IMMEDIATE.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const schema = `
CREATE TABLE IF NOT EXISTS objects (
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  uid TEXT NOT NULL UNIQUE,
  owner_uids TEXT NOT NULL DEFAULT '',
  resource_version INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (kind, namespace, name)
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  type TEXT NOT NULL, reason TEXT NOT NULL, message TEXT NOT NULL, source TEXT NOT NULL, time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_object ON events (kind, namespace, name);
CREATE TABLE IF NOT EXISTS jobs (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  owner_uid TEXT NOT NULL DEFAULT '',
  spec TEXT NOT NULL,
  phase TEXT NOT NULL,
  reason TEXT,
  pid INTEGER,
  workdir TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
  resource_version INTEGER PRIMARY KEY,
  kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  change TEXT NOT NULL,
  body TEXT NOT NULL
);
`;

export type StateDb = DatabaseSync;

export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') makePrivate(file);
  const db = new DatabaseSync(file, { timeout: 15_000 });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  db.exec(schema);
  return db;
}

/** Runs `fn` in an immediate (write-locking) transaction. */
export function inTransaction<T>(db: StateDb, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

/** Next value of a named counter (resource versions); call inside a transaction. */
export function nextCounter(db: StateDb, name: string): number {
  db.prepare(
    'INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1',
  ).run(name);
  const row = db.prepare('SELECT value FROM counters WHERE name = ?').get(name) as { value: number };
  return row.value;
}

/**
 * The state holds every Secret in clear: its folder is the owner's only (0700) and the database
 * file 0600 before SQLite opens it — SQLite gives its -wal and -shm files the database file's mode.
 */
function makePrivate(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
