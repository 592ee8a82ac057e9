// The shop: a small HTTP service on PostgreSQL, in two versions, for `deployctl demo`.
// Like an app on an ORM, every query names its columns — version 1 names legacy_code,
// version 2 names currency instead — so dropping legacy_code while version 1 serves breaks it.
//
//   node server.js --version v1|v2      (or DEPLOYCTL_ARTIFACT; PORT, SHOP_DATABASE_URL)
//
//   GET  /healthz                  200 "ok" when the database answers
//   GET  /orders/:id               one order
//   POST /orders                   {"customer_id": 1, "total_cents": 1200} → the new order
//   POST /orders/:id/pay           marks an order paid → the order
//   GET  /customers/:id/orders     a customer's 20 latest orders (v2: uses the index v2 adds)
//
// Errors answer 500 with {"error", "code"} (the PostgreSQL SQLSTATE), so a client can tell a
// missing column (42703) from a timeout. On SIGTERM it finishes in-flight requests and exits.
import http from 'node:http';
import pg from 'pg';

const flag = process.argv.indexOf('--version');
const version = flag > 0 ? process.argv[flag + 1] : process.env.DEPLOYCTL_ARTIFACT;
if (version !== 'v1' && version !== 'v2') {
  console.error(`unknown version '${version ?? ''}': pass --version v1 or --version v2`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? 8080);
const databaseUrl = process.env.SHOP_DATABASE_URL ?? process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('set SHOP_DATABASE_URL (or DATABASE_URL) to the shop database');
  process.exit(2);
}

// A small pool, as a web process on a shared database would have.
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, application_name: `shop ${version}` });
pool.on('error', () => undefined);

/** The columns each version's "model" reads, and what it writes on insert. */
const MODEL = {
  v1: {
    columns: 'id, customer_id, total_cents, status, legacy_code, created_at',
    insert: "INSERT INTO orders (customer_id, total_cents, status, legacy_code) VALUES ($1, $2, 'pending', $3)",
    insertValues: (customerId, totalCents) => [customerId, totalCents, `LC-${customerId}`],
  },
  v2: {
    columns: "id, customer_id, total_cents, coalesce(currency, 'EUR') AS currency, status, created_at",
    insert: "INSERT INTO orders (customer_id, total_cents, currency, status) VALUES ($1, $2, 'EUR', 'pending')",
    insertValues: (customerId, totalCents) => [customerId, totalCents],
  },
}[version];

const routes = [
  [
    'GET',
    /^\/healthz$/,
    async () => {
      await pool.query('SELECT 1');
      return [200, 'ok'];
    },
  ],
  [
    'GET',
    /^\/orders\/(\d+)$/,
    async ([id]) => {
      const r = await pool.query(`SELECT ${MODEL.columns} FROM orders WHERE id = $1`, [id]);
      return r.rows[0] ? [200, r.rows[0]] : [404, { error: 'no such order' }];
    },
  ],
  [
    'POST',
    /^\/orders$/,
    async (_, body) => {
      const customerId = Number(body.customer_id);
      const totalCents = Number(body.total_cents);
      if (!Number.isInteger(customerId) || !Number.isInteger(totalCents))
        return [400, { error: 'customer_id and total_cents must be integers' }];
      const r = await pool.query(
        `${MODEL.insert} RETURNING ${MODEL.columns}`,
        MODEL.insertValues(customerId, totalCents),
      );
      return [201, r.rows[0]];
    },
  ],
  [
    'POST',
    /^\/orders\/(\d+)\/pay$/,
    async ([id]) => {
      const r = await pool.query(`UPDATE orders SET status = 'paid' WHERE id = $1 RETURNING ${MODEL.columns}`, [id]);
      return r.rows[0] ? [200, r.rows[0]] : [404, { error: 'no such order' }];
    },
  ],
  [
    'GET',
    /^\/customers\/(\d+)\/orders$/,
    async ([id]) => {
      const r = await pool.query(
        `SELECT ${MODEL.columns} FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20`,
        [id],
      );
      return [200, r.rows];
    },
  ],
];

/** Reads a JSON body of at most 64 KiB. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
      if (text.length > 65536) reject(new Error('body too large'));
    });
    req.on('end', () => {
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

function send(res, status, value) {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, {
    'content-type': typeof value === 'string' ? 'text/plain' : 'application/json',
    'x-shop-version': version,
  });
  res.end(body);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://shop');
  const route = routes.find(([method, pattern]) => method === req.method && pattern.test(url.pathname));
  if (!route) return send(res, 404, { error: 'not found' });
  try {
    const body = req.method === 'POST' ? await readBody(req) : {};
    const [status, value] = await route[2](route[1].exec(url.pathname).slice(1), body);
    send(res, status, value);
  } catch (e) {
    send(res, 500, { error: e.message, code: e.code ?? null });
  }
});
server.keepAliveTimeout = 30000;

server.listen(port, '127.0.0.1', () => console.log(`shop ${version} listening on 127.0.0.1:${port}`));

process.on('SIGTERM', () => {
  console.log(`shop ${version} stopping`);
  server.close(() => pool.end().finally(() => process.exit(0)));
  server.closeIdleConnections();
});
