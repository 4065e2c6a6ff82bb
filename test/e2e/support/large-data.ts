/**
 * A database big enough that its backup takes seconds (so a test can interrupt it mid-upload):
 * rows of random hex text, which restic's compression can only halve.
 */
import { withClient, withDatabase } from '../../harness/postgres.ts';

/** Creates database `db` with about `mib` MiB of dump text in one table. */
export async function seedLargeDatabase(superuserUrl: string, db: string, mib: number): Promise<void> {
  await withClient(superuserUrl, async (c) => {
    await c.query(`drop database if exists "${db}" with (force)`);
    await c.query(`create database "${db}"`);
  });
  const rowBytes = 16 * 32 + 10; // 16 md5 hex strings plus id and separators in the dump
  const rows = Math.ceil((mib * 1024 * 1024) / rowBytes);
  const payload = Array.from({ length: 16 }, () => 'md5(random()::text)').join(' || ');
  await withClient(withDatabase(superuserUrl, db), async (c) => {
    await c.query('create table blobs (id int primary key, payload text not null)');
    await c.query('alter table blobs alter column payload set storage external'); // no TOAST compression
    const batch = 50_000;
    for (let from = 1; from <= rows; from += batch) {
      const to = Math.min(rows, from + batch - 1);
      await c.query(`insert into blobs select g, ${payload} from generate_series($1::int, $2::int) g`, [
        from,
        to,
      ]);
    }
  });
}
