/**
 * The benchmark's data: one database of realistic, varied rows, grown with `INSERT … SELECT
 * generate_series` until pg_database_size reaches a target. Two tables (orders, events) are filled
 * in parallel, one connection each, so both cores work. Values come from random() behind a fixed
 * seed per batch: every row differs (ids, timestamps, amounts, e-mails, free text, JSON), the text
 * mixes a small vocabulary with hex noise, so restic's compression and dedup see neither
 * all-identical nor incompressible data.
 */
import { withClient, withDatabase } from '../../test/harness/postgres.ts';

const WORDS = [
  'delivery',
  'refund',
  'invoice',
  'customer',
  'priority',
  'warehouse',
  'express',
  'damaged',
  'gift',
  'wrapped',
  'returned',
  'pending',
  'courier',
  'signature',
  'fragile',
  'discount',
  'voucher',
  'backorder',
  'weekend',
  'address',
  'updated',
  'missing',
  'parcel',
  'tracking',
];

const ORDERS = `create table public.orders (
  id bigint primary key,
  customer_id integer not null,
  status text not null,
  amount numeric(12,2) not null,
  currency char(3) not null,
  created_at timestamptz not null,
  shipped_at timestamptz,
  email text not null,
  note text,
  attrs jsonb not null
)`;

const EVENTS = `create table public.events (
  id bigint primary key,
  order_id bigint not null,
  kind text not null,
  at timestamptz not null,
  source inet,
  payload text not null
)`;

/** Rows [from, to] of orders; `$1`/`$2` bound. */
const FILL_ORDERS = `insert into public.orders
select g,
       1 + (random() * 250000)::int,
       (array['new','paid','shipped','delivered','cancelled','refunded'])[1 + (random() * 5)::int],
       round((random() * 2000)::numeric, 2),
       (array['EUR','USD','GBP','CHF'])[1 + (random() * 3)::int],
       timestamptz '2023-01-01 00:00:00+00' + make_interval(secs => g * 7 + (random() * 5)::int),
       case when random() < 0.3 then null
            else timestamptz '2023-01-02 00:00:00+00' + make_interval(secs => g * 7 + (random() * 90000)::int) end,
       'user' || (random() * 1000000)::int || '@' || (array['example.com','mail.test','corp.example'])[1 + (random() * 2)::int],
       case when random() < 0.25 then null
            else w[1 + (random() * 23)::int] || ' ' || w[1 + (random() * 23)::int] || ' ' ||
                 w[1 + (random() * 23)::int] || ' ' || left(md5(random()::text), 4 + (random() * 28)::int) end,
       jsonb_build_object('channel', (array['web','app','store','phone'])[1 + (random() * 3)::int],
                          'items', 1 + (random() * 9)::int,
                          'coupon', case when random() < 0.1 then upper(left(md5(random()::text), 8)) end)
from generate_series($1::bigint, $2::bigint) g, (select $3::text[] w) v`;

const FILL_EVENTS = `insert into public.events
select g,
       1 + (random() * ($2::bigint / 2))::bigint,
       (array['created','payment','picked','packed','shipped','delivered','email','sms'])[1 + (random() * 7)::int],
       timestamptz '2023-01-01 00:00:00+00' + make_interval(secs => g * 3 + (random() * 3)::int),
       ('10.' || (random() * 255)::int || '.' || (random() * 255)::int || '.' || (random() * 255)::int)::inet,
       w[1 + (random() * 23)::int] || ':' || md5(g::text) || ' ' || w[1 + (random() * 23)::int] || ' ' ||
         repeat(substr('abcdefghijklmnopqrstuvwxyz', 1 + (random() * 20)::int, 6), 1 + (random() * 6)::int)
from generate_series($1::bigint, $2::bigint) g, (select $3::text[] w) v`;

export interface GeneratedDatabase {
  name: string;
  bytes: number;
  orders: number;
  events: number;
  seconds: number;
}

export async function databaseSize(url: string, db: string): Promise<number> {
  return withClient(url, async (c) => {
    const r = await c.query<{ n: string }>('select pg_database_size($1)::text n', [db]);
    return Number(r.rows[0]!.n);
  });
}

/** Appends orders [from, to] and events [2·from−1, 2·to], one connection per table, seeded. */
export async function fillRows(url: string, from: number, to: number, seed: number): Promise<void> {
  await Promise.all([
    withClient(url, async (c) => {
      await c.query('select setseed($1)', [(seed % 1000) / 1000]);
      await c.query(FILL_ORDERS, [from, to, WORDS]);
    }),
    withClient(url, async (c) => {
      await c.query('select setseed($1)', [((seed * 7 + 3) % 1000) / 1000]);
      await c.query(FILL_EVENTS, [2 * from - 1, 2 * to, WORDS]);
    }),
  ]);
}

/**
 * Creates `db` (dropping an old one) and fills it until pg_database_size reaches targetBytes:
 * batches of up to `batchRows` orders (and twice as many events), the last one sized from the
 * bytes per row seen so far so the database lands just above the target.
 */
export async function generateDatabase(
  superuserUrl: string,
  db: string,
  targetBytes: number,
  opts: { batchRows?: number; onBatch?: (bytes: number) => void } = {},
): Promise<GeneratedDatabase> {
  const t0 = performance.now();
  const maxBatch = opts.batchRows ?? 500_000;
  await withClient(superuserUrl, async (c) => {
    await c.query(`drop database if exists "${db}" with (force)`);
    await c.query(`create database "${db}"`);
  });
  const url = withDatabase(superuserUrl, db);
  await withClient(url, async (c) => {
    await c.query(ORDERS);
    await c.query(EVENTS);
  });
  const empty = await databaseSize(superuserUrl, db);
  let bytes = empty;
  let orders = 0;
  let seed = 1;
  while (bytes < targetBytes) {
    let batch = maxBatch;
    if (orders > 0) {
      const perOrder = (bytes - empty) / orders;
      batch = Math.min(maxBatch, Math.max(10_000, Math.ceil(((targetBytes - bytes) / perOrder) * 1.02)));
    }
    await fillRows(url, orders + 1, orders + batch, seed++);
    orders += batch;
    bytes = await databaseSize(superuserUrl, db);
    opts.onBatch?.(bytes);
  }
  // Settle hint bits and statistics now, so the first timed dump does not pay for them.
  await withClient(url, async (c) => {
    await c.query('vacuum (freeze, analyze)');
    await c.query('checkpoint');
  });
  bytes = await databaseSize(superuserUrl, db);
  return { name: db, bytes, orders, events: orders * 2, seconds: (performance.now() - t0) / 1000 };
}

export type ChangeKind = 'random' | 'clustered' | 'append';

export interface ChangeResult {
  kind: ChangeKind;
  rowsChanged: number;
  rowsTotal: number;
}

/**
 * Changes about 1% of the rows of both tables:
 * - random: UPDATE rows picked by random() < 0.01, scattered over the whole table;
 * - clustered: UPDATE one contiguous id range holding 1% of the rows (a hot range);
 * - append: INSERT 1% new rows after the last id.
 */
export async function changeOnePercent(
  superuserUrl: string,
  db: string,
  kind: ChangeKind,
  seed: number,
): Promise<ChangeResult> {
  const url = withDatabase(superuserUrl, db);
  return withClient(url, async (c) => {
    const count = async (t: string) =>
      Number((await c.query<{ n: string }>(`select count(*)::text n from public.${t}`)).rows[0]!.n);
    const maxId = async (t: string) =>
      Number((await c.query<{ n: string }>(`select max(id)::text n from public.${t}`)).rows[0]!.n);
    const rowsTotal = (await count('orders')) + (await count('events'));
    let rowsChanged = 0;
    if (kind === 'random') {
      await c.query('select setseed($1)', [(seed % 1000) / 1000]);
      rowsChanged += (
        await c.query(
          `update public.orders set status = 'changed', amount = amount + 1 where random() < 0.01`,
        )
      ).rowCount!;
      rowsChanged += (
        await c.query(
          `update public.events set kind = 'changed', at = at + interval '1 second' where random() < 0.01`,
        )
      ).rowCount!;
    } else if (kind === 'clustered') {
      for (const t of ['orders', 'events'] as const) {
        const max = await maxId(t);
        const from = Math.floor(max * 0.5);
        const to = from + Math.floor(max * 0.01);
        const set = t === 'orders' ? `status = 'changed', amount = amount + 1` : `kind = 'changed'`;
        rowsChanged += (await c.query(`update public.${t} set ${set} where id > $1 and id <= $2`, [from, to]))
          .rowCount!;
      }
    } else {
      const orders = await maxId('orders');
      const add = Math.ceil(orders * 0.01);
      await fillRows(url, orders + 1, orders + add, seed);
      rowsChanged = add * 3;
    }
    return { kind, rowsChanged, rowsTotal };
  });
}
