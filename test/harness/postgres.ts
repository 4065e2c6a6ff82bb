/**
 * A throw-away PostgreSQL cluster for the integration tests: initdb into a temp folder, password
 * (scram) auth for a superuser, a free port on 127.0.0.1, fsync off. PostgreSQL refuses to run as
 * root, so as root (CI) the cluster belongs to the `postgres` OS user and runs through `runuser`.
 * Binaries: $STOWAGE_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin (scripts/peers/postgres.sh
 * installs it), else PATH.
 */
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './process.ts';

const run = promisify(execFile);

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `postgres://user:pass@127.0.0.1:port/postgres?sslmode=disable` */
  superuserUrl: string;
  dataDir: string;
  /** Folder of the server's binaries (pg_dump, psql, … of the same version). */
  binDir: string;
  stop(): Promise<void>;
}

export async function postgresBinDir(): Promise<string> {
  const fromEnv = process.env.STOWAGE_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const majors = await readdir(root).catch(() => [] as string[]);
  for (const m of majors.sort((a, b) => Number(b) - Number(a))) {
    const dir = join(root, m, 'bin');
    if (
      await access(join(dir, 'initdb')).then(
        () => true,
        () => false,
      )
    )
      return dir;
  }
  const { stdout } = await run('pg_config', ['--bindir']).catch(() => ({ stdout: '' }));
  if (stdout.trim()) return stdout.trim();
  throw new Error('no PostgreSQL binaries found: run scripts/peers/postgres.sh or set STOWAGE_PG_BIN');
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', name])).stdout.trim());
  const gid = Number((await run('id', ['-g', name])).stdout.trim());
  return { uid, gid };
}

export async function startPostgres(
  opts: { user?: string; password?: string } = {},
): Promise<PostgresServer> {
  const binDir = await postgresBinDir();
  const user = opts.user ?? 'stowage_admin';
  const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}:x\\y`;
  const base = await mkdtemp(join(tmpdir(), 'stowage-pg-'));
  const dataDir = join(base, 'data');
  const pwFile = join(base, 'pwfile');
  const logFile = join(base, 'server.log');
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });

  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await osUser('postgres');
    await chown(base, uid, gid);
    await chown(pwFile, uid, gid);
  }
  const as = async (cmd: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(binDir, cmd), ...args])
      : run(join(binDir, cmd), args);

  await as('initdb', [
    `--pgdata=${dataDir}`,
    `--username=${user}`,
    `--pwfile=${pwFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  await rm(pwFile);

  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const serverOpts = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${base}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=50',
    ].join(' ');
    try {
      await as('pg_ctl', [
        'start',
        '--wait',
        '--timeout=60',
        `--pgdata=${dataDir}`,
        `--log=${logFile}`,
        `--options=${serverOpts}`,
      ]);
      break;
    } catch (err) {
      if (attempt >= 2) throw err; // the port may have been taken between probe and start
    }
  }

  const enc = encodeURIComponent;
  const superuserUrl = `postgres://${enc(user)}:${enc(password)}@127.0.0.1:${port}/postgres?sslmode=disable`;
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    superuserUrl,
    dataDir,
    binDir,
    async stop() {
      await as('pg_ctl', ['stop', '--wait', '--mode=fast', `--pgdata=${dataDir}`]).catch(() => {});
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** The same server URL with another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export interface SeedSpec {
  databases: string[];
  /** Tables per database. */
  tables: number;
  /** Rows per table. */
  rows: number;
}

/**
 * Creates each database (dropping an old one) with `tables` tables of `rows` rows covering the
 * usual types (integers, text with quotes and newlines, numeric, timestamptz, jsonb, bytea,
 * arrays, NULLs), a sequence-backed key, an index, a view and a foreign key.
 */
export async function seedDatabases(superuserUrl: string, spec: SeedSpec): Promise<void> {
  for (const db of spec.databases) {
    await withClient(superuserUrl, async (c) => {
      await c.query(`drop database if exists ${ident(db)} with (force)`);
      await c.query(`create database ${ident(db)}`);
    });
    await withClient(withDatabase(superuserUrl, db), async (c) => {
      await c.query('create schema app');
      await c.query(`create table app.owners (id int primary key, name text not null)`);
      await c.query(`insert into app.owners select g, 'owner ' || g from generate_series(1, 10) g`);
      for (let t = 1; t <= spec.tables; t++) {
        const name = `items_${t}`;
        await c.query(`create table public.${name} (
          id bigserial primary key,
          owner int references app.owners(id),
          label text,
          amount numeric(12,3),
          at timestamptz,
          doc jsonb,
          raw bytea,
          tags text[]
        )`);
        await c.query(
          `insert into public.${name} (owner, label, amount, at, doc, raw, tags)
           select (g % 10) + 1,
                  case when g % 17 = 0 then null else $2 || ' ' || g || E' it''s\\n"quoted"\\t' || repeat('x', g % 50) end,
                  (g * 3.141)::numeric(12,3),
                  timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => g * 37),
                  jsonb_build_object('g', g, 'db', $2::text, 'nested', jsonb_build_array(g, g * 2)),
                  decode(md5(g::text), 'hex'),
                  array['t' || (g % 3), 't' || (g % 5)]
           from generate_series(1, $1::int) g`,
          [spec.rows, `${db}.${name}`],
        );
        await c.query(`create index on public.${name} (owner, at)`);
      }
      await c.query(`create view app.totals as select owner, count(*) n from public.items_1 group by owner`);
    });
  }
}

/** User databases of the server (not templates). */
export async function listDatabases(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const r = await c.query<{ datname: string }>(
      `select datname from pg_database where not datistemplate order by datname`,
    );
    return r.rows.map((x) => x.datname);
  });
}

/**
 * For every user table of every (non-template) database: `<db>.<schema>.<table>` → row count and
 * md5 over all rows in text form, ordered. Equal maps before and after a restore mean equal data.
 */
export async function tableChecksums(url: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const db of await listDatabases(url)) {
    await withClient(withDatabase(url, db), async (c) => {
      const tables = await c.query<{ schemaname: string; tablename: string }>(
        `select schemaname, tablename from pg_tables
         where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2`,
      );
      for (const t of tables.rows) {
        const q = `${ident(t.schemaname)}.${ident(t.tablename)}`;
        const r = await c.query<{ n: string; sum: string | null }>(
          `select count(*)::text n, md5(string_agg(t::text, E'\\n' order by t::text)) sum from ${q} t`,
        );
        out[`${db}.${t.schemaname}.${t.tablename}`] = `${r.rows[0]!.n}:${r.rows[0]!.sum ?? 'empty'}`;
      }
    });
  }
  return out;
}
