/** Serves a Supervisor's control API (see control.ts) on 127.0.0.1. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { serializeError, type OperationEvent, type OperationRequest, type StateAnswer } from './control.js';
import type { Supervisor } from './supervisor.js';

/** Requests are a few hundred bytes; anything larger is not a client of ours. */
const BODY_LIMIT_BYTES = 64 * 1024;

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export async function serveControl(
  supervisor: Supervisor,
  options: { token: string; onStop: () => void },
): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    if (!authorized(req, options.token)) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'missing or wrong control token' }));
      return;
    }
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: serializeError(e) }));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const route = `${req.method} ${req.url}`;
    if (route === 'GET /state') {
      const answer: StateAnswer = { ...(await supervisor.state()), pid: process.pid };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    if (route === 'POST /stop') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ stopping: true }));
      options.onStop();
      return;
    }
    if (route !== 'POST /deploy' && route !== 'POST /rollback') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${route}` }));
      return;
    }
    const body = JSON.parse(await readBody(req)) as OperationRequest;
    // The operation stops at its next safe point if the CLI that asked goes away.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const send = (event: OperationEvent): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify(event)}\n`);
    };
    const operation = { spec: body.spec, log: (line: string) => send({ log: line }), signal: abort.signal };
    try {
      const state =
        route === 'POST /deploy'
          ? await supervisor.deploy(requireArtifact(body), operation)
          : await supervisor.rollback(body.artifact, operation);
      send({ state });
    } catch (e) {
      send({ error: serializeError(e) });
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function authorized(req: http.IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function requireArtifact(body: OperationRequest): string {
  if (typeof body.artifact !== 'string' || body.artifact === '') throw new Error('deploy needs an artifact');
  return body.artifact;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > BODY_LIMIT_BYTES) req.destroy(new Error('request body too large'));
    });
    req.on('end', () => resolve(body || '{}'));
    req.on('error', reject);
  });
}
