/**
 * Every HealthCheck implementation answers the same way: a named result, ok for a healthy
 * target, a failed result with a reason (never a throw) for an unhealthy or unreachable one,
 * and a failed result naming the timeout when the target hangs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { testTmp } from '../support/db.js';
import { waitFor } from '../support/wait.js';
import type { HealthCheck } from '../../src/ports.js';
import { CommandHealthCheck } from '../../src/adapters/health/command.js';
import { HttpHealthCheck } from '../../src/adapters/health/http.js';
import { SqlHealthCheck } from '../../src/adapters/health/sql.js';

interface Harness {
  setup(): Promise<void>;
  teardown(): Promise<void>;
  healthy(): HealthCheck;
  unhealthy(): HealthCheck;
  /**
   * A check whose target never answers, limited to `timeoutMs`; `reached` resolves once its probe
   * is in flight at the target (the request arrived, the query runs, the command started).
   */
  hanging(timeoutMs: number): { check: HealthCheck; reached(): Promise<void> };
}

let probes = 0;
/** A token that tells this probe apart from the ones earlier tests left hanging. */
const probeId = (): string => `probe_${++probes}`;

function httpHarness(): Harness {
  let server: http.Server;
  let base = '';
  const arrived = new Set<string>();
  return {
    async setup() {
      server = http.createServer((req, res) => {
        if (req.url?.startsWith('/hang/')) {
          arrived.add(req.url);
          return; // never answers
        }
        res.statusCode = req.url === '/healthz' ? 200 : 503;
        res.end(req.url === '/healthz' ? 'ok' : 'down');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async teardown() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    healthy: () => new HttpHealthCheck({ url: `${base}/healthz` }),
    unhealthy: () => new HttpHealthCheck({ url: `${base}/down` }),
    hanging: (timeoutMs) => {
      const url = `/hang/${probeId()}`;
      return {
        check: new HttpHealthCheck({ url: `${base}${url}`, timeoutMs }),
        reached: async () => {
          await waitFor(`the server to receive GET ${url}`, () => arrived.has(url));
        },
      };
    },
  };
}

function sqlHarness(): Harness {
  const adminUrl = process.env.DEPLOYCTL_TEST_DATABASE_URL as string;
  const database = `deployctl_t_${randomBytes(6).toString('hex')}`;
  let pool: pg.Pool;
  const dbUrl = (): string => {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  return {
    async setup() {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.end();
      pool = new pg.Pool({ connectionString: dbUrl(), max: 2 });
      pool.on('error', () => undefined); // connections ended by the DROP ... WITH (FORCE) below
      await pool.query('CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2)');
    },
    async teardown() {
      // FORCE ends the probe an interrupt left running, so the pool can close at once.
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      await pool.end();
    },
    healthy: () => new SqlHealthCheck('select count(*) >= 0 from orders', { db: pool }),
    unhealthy: () => new SqlHealthCheck('select count(*) from orders where id > 10', { db: pool }),
    hanging: (timeoutMs) => {
      const id = probeId();
      return {
        check: new SqlHealthCheck(`select pg_sleep(30) is not null as ${id}`, { db: pool, timeoutMs }),
        reached: async () => {
          const watcher = new pg.Client({ connectionString: dbUrl() });
          await watcher.connect();
          try {
            await waitFor(
              `the probe query ${id} to run on the server`,
              async () =>
                (
                  await watcher.query(
                    "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE $1",
                    [`%pg_sleep(30) is not null as ${id}%`],
                  )
                ).rows.length > 0,
            );
          } finally {
            await watcher.end();
          }
        },
      };
    },
  };
}

function commandHarness(): Harness {
  let dir = '';
  return {
    async setup() {
      dir = await mkdtemp(path.join(testTmp(), 'deployctl-health-'));
    },
    async teardown() {
      await rm(dir, { recursive: true, force: true });
    },
    healthy: () => new CommandHealthCheck('test 1 -eq 1'),
    unhealthy: () => new CommandHealthCheck('echo "disk full" >&2; exit 4'),
    hanging: (timeoutMs) => {
      const marker = path.join(dir, probeId());
      return {
        check: new CommandHealthCheck(`touch '${marker}'; sleep 30`, { timeoutMs }),
        reached: async () => {
          await waitFor(`the command to start (it creates ${marker})`, () =>
            access(marker).then(
              () => true,
              () => false,
            ),
          );
        },
      };
    },
  };
}

describe.each([
  ['http', httpHarness()],
  ['sql', sqlHarness()],
  ['command', commandHarness()],
] as const)('HealthCheck contract: %s', (kind, harness) => {
  beforeAll(() => harness.setup());
  afterAll(() => harness.teardown());

  it('passes on a healthy target, with a name and a latency', async () => {
    const check = harness.healthy();
    expect(check.name.startsWith(kind)).toBe(true);
    const result = await check.run();
    expect(result).toMatchObject({ check: check.name, ok: true });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails with a reason on an unhealthy target', async () => {
    const result = await harness.unhealthy().run();
    expect(result.ok).toBe(false);
    expect(result.detail.length).toBeGreaterThan(0);
  });

  it('fails naming the timeout when the target hangs', async () => {
    const result = await harness.hanging(300).check.run();
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('timed out after 300 ms');
  });

  it('reports an interrupt as a failed answer', async () => {
    const abort = new AbortController();
    const hanging = harness.hanging(20000);
    const running = hanging.check.run(abort.signal);
    await hanging.reached(); // interrupt a probe in flight, not one that has not started
    abort.abort();
    const result = await running;
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('interrupted');
  });
});
