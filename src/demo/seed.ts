/**
 * Creates the shop's version-1 schema (examples/shop/schema.sql) and fills `orders` with
 * generated, realistic-looking rows, in bounded batches, then VACUUM ANALYZE so every run copied
 * from it starts with the same statistics and visibility map.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../ports.js';

/** Rows per INSERT … SELECT generate_series: large enough to be fast, small enough to report progress. */
const SEED_BATCH_ROWS = 250000;
/** Roughly twenty orders per customer. */
const ORDERS_PER_CUSTOMER = 20;

export async function seedShop(
  db: Db,
  options: { rows: number; exampleDir: string; progress(done: number): void },
): Promise<void> {
  await db.query(await readFile(path.join(options.exampleDir, 'schema.sql'), 'utf8'));
  const customers = Math.max(1, Math.floor(options.rows / ORDERS_PER_CUSTOMER));
  for (let from = 1; from <= options.rows; from += SEED_BATCH_ROWS) {
    const to = Math.min(options.rows, from + SEED_BATCH_ROWS - 1);
    await db.query(
      `INSERT INTO orders (customer_id, total_cents, status, legacy_code, created_at)
       SELECT 1 + (hashint % $3),
              100 + (hashint / 7) % 99900,
              (ARRAY['pending', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + (hashint / 13) % 5],
              'LC-' || lpad(i::text, 8, '0'),
              now() - make_interval(secs => (hashint / 17) % 31536000)
         FROM (SELECT i, abs(hashint4(i)::bigint) AS hashint FROM generate_series($1::int, $2::int) AS i) AS g`,
      [from, to, customers],
    );
    options.progress(to);
  }
  await db.query('VACUUM ANALYZE orders');
}
