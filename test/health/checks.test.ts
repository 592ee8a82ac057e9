/** Details of each check that the contract does not cover. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHealthChecks } from '../../src/adapters/health/build.js';
import { CommandHealthCheck } from '../../src/adapters/health/command.js';
import { HttpHealthCheck } from '../../src/adapters/health/http.js';
import { SqlHealthCheck, type Queryable } from '../../src/adapters/health/sql.js';

describe('HttpHealthCheck', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/slow') {
        setTimeout(() => res.end('ok'), 200);
        return;
      }
      if (req.url === '/versioned') {
        res.end('{"status":"ok","version":"1.4.1"}');
        return;
      }
      res.statusCode = req.url === '/created' ? 201 : 200;
      res.end(req.url === '/healthz' ? '{"status":"ok"}' : 'starting');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('checks the body substring', async () => {
    expect((await new HttpHealthCheck({ url: `${base}/healthz`, body: '"ok"' }).run()).ok).toBe(true);
    const miss = await new HttpHealthCheck({ url: `${base}/other`, body: '"ok"' }).run();
    expect(miss).toMatchObject({ ok: false, detail: 'body lacked "\\"ok\\""; body: "starting"' });
  });

  it('with expectVersion, requires the body to report the deployed version', async () => {
    const check = (version: string, url = `${base}/versioned`) =>
      new HttpHealthCheck({ url, expectVersion: true }, { version }).run();
    expect((await check('1.4.1')).ok).toBe(true);
    // The platform rolled the deployment back: the old version answers 200, and that is a failure.
    expect(await check('1.4.2')).toMatchObject({ ok: false, detail: 'serves version 1.4.1, expected 1.4.2' });
    expect(await check('1.4.2', `${base}/healthz`)).toMatchObject({
      ok: false,
      detail: 'body reports no version (expected JSON {"version": "1.4.2"})',
    });
  });

  it('an expectVersion check without a deployed version is a config error naming the key', () => {
    expect(() => buildHealthChecks([{ http: { url: `${base}/versioned`, expectVersion: true } }])).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', key: 'health.checks[0].http.expectVersion' }),
    );
    expect(
      buildHealthChecks([{ http: { url: `${base}/versioned`, expectVersion: true } }], { version: '1' }),
    ).toHaveLength(1);
  });

  it('checks the expected status', async () => {
    expect((await new HttpHealthCheck({ url: `${base}/created`, status: 201 }).run()).ok).toBe(true);
    expect(await new HttpHealthCheck({ url: `${base}/created` }).run()).toMatchObject({
      ok: false,
      detail: 'status 201, expected 200; body: "starting"',
    });
  });

  it('shows the first 200 bytes of the body of a failed answer', async () => {
    const server = http.createServer((_req, res) => {
      res.statusCode = 500;
      res.end(`Error: ${'x'.repeat(300)}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await new HttpHealthCheck({ url: `http://127.0.0.1:${port}/healthz` }).run();
      expect(r.detail).toBe(`status 500, expected 200; body: "Error: ${'x'.repeat(193)}" (first 200 of 307 bytes)`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('counts a slow answer as a failure when maxLatencyMs is set', async () => {
    const result = await new HttpHealthCheck({ url: `${base}/slow`, maxLatencyMs: 50 }).run();
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/over the 50 ms limit/);
  });

  it('names a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await new HttpHealthCheck({ url: `http://127.0.0.1:${port}/` }).run();
    expect(result).toMatchObject({ ok: false, detail: 'connection refused (ECONNREFUSED)' });
  });
});

describe('SqlHealthCheck value rules', () => {
  const answering = (value: unknown, rows = 1): Queryable => ({
    query: async () => [{ rows: [] }, { rows: Array.from({ length: rows }, () => ({ v: value })) }],
  });
  it.each([
    [true, true],
    [false, false],
    ['3', true],
    ['0', false],
    [7, true],
    [0, false],
    [null, false],
    ['yes', false],
  ])('first value %p -> ok %p', async (value, ok) => {
    expect((await new SqlHealthCheck('select x', { db: answering(value) }).run()).ok).toBe(ok);
  });
  it('fails when no row comes back', async () => {
    expect(await new SqlHealthCheck('select x', { db: answering(true, 0) }).run()).toMatchObject({
      ok: false,
      detail: 'returned no rows',
    });
  });
});

describe('CommandHealthCheck', () => {
  it('puts the exit code and the last output in the detail', async () => {
    const result = await new CommandHealthCheck('echo checking; echo "replica lag 40s" >&2; exit 2').run();
    expect(result).toMatchObject({ ok: false, detail: 'exit code 2: checking | replica lag 40s' });
  });
});

describe('buildHealthChecks', () => {
  it('builds one check per entry', () => {
    const checks = buildHealthChecks(
      [{ http: { url: 'http://127.0.0.1:1/healthz' } }, { command: 'true' }, { sql: 'select true' }],
      {
        db: { query: async () => ({ rows: [] }) },
      },
    );
    expect(checks.map((c) => c.name)).toEqual([
      'http GET http://127.0.0.1:1/healthz',
      'command true',
      'sql select true',
    ]);
  });
  it('rejects an entry with zero or two kinds, naming it', () => {
    expect(() => buildHealthChecks([{ command: 'true' }, { command: 'true', sql: 'select 1' }])).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', key: 'health.checks[1]' }),
    );
    expect(() => buildHealthChecks([{}])).toThrow(/exactly one of http, sql, command \(found none\)/);
  });
  it('needs a database for a sql check', () => {
    expect(() => buildHealthChecks([{ sql: 'select true' }])).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', key: 'database.url' }),
    );
  });
});
