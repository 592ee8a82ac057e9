/**
 * GET a URL and judge the answer: status, optional body substring, optional version the body must
 * report, optional latency ceiling.
 * Uses node:http without connection reuse, so each probe sees the server as a new client would
 * and no idle socket outlives the check.
 */
import http from 'node:http';
import https from 'node:https';
import { systemClock } from '../../clock.js';
import { type Clock } from '../../ports.js';
import type { HealthCheck, HealthResult } from '../../ports.js';
import { startResult } from './result.js';
import { DEFAULT_HTTP_TIMEOUT_MS, type HttpCheckConfig } from '../../config/health.js';

/** Only this much of the body is read for the substring match; health bodies are small. */
const BODY_LIMIT_BYTES = 64 * 1024;

interface Answer {
  status: number;
  body: string;
}

export class HttpHealthCheck implements HealthCheck {
  readonly name: string;
  private readonly expectedStatus: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: HttpCheckConfig,
    private readonly deps: { clock?: Clock; version?: string } = {},
  ) {
    if (config.expectVersion && deps.version === undefined) {
      throw new Error(`http check of ${config.url} expects a version but none was given`);
    }
    this.name = `http GET ${config.url}`;
    this.expectedStatus = config.status ?? 200;
    this.timeoutMs = config.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  }

  async run(signal?: AbortSignal): Promise<HealthResult> {
    const clock = this.deps.clock ?? systemClock;
    const started = clock.now();
    const result = startResult(this.name, clock);

    const request = new AbortController();
    const timer = new AbortController();
    let timedOut = false;
    clock.sleep(this.timeoutMs, timer.signal).then(
      () => {
        timedOut = true;
        request.abort();
      },
      () => undefined,
    );
    const onAbort = (): void => request.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const answer = await get(this.config.url, request.signal);
      const latencyMs = clock.now() - started;
      if (answer.status !== this.expectedStatus)
        return result(false, `status ${answer.status}, expected ${this.expectedStatus}${bodyExcerpt(answer.body)}`);
      if (this.config.body !== undefined && !answer.body.includes(this.config.body)) {
        return result(false, `body lacked ${JSON.stringify(this.config.body)}${bodyExcerpt(answer.body)}`);
      }
      if (this.config.expectVersion) {
        const reported = reportedVersion(answer.body);
        if (reported !== this.deps.version) {
          return result(
            false,
            reported === undefined
              ? `body reports no version (expected JSON {"version": "${this.deps.version}"})`
              : `serves version ${reported}, expected ${this.deps.version}`,
          );
        }
      }
      if (this.config.maxLatencyMs !== undefined && latencyMs > this.config.maxLatencyMs) {
        return result(false, `answered in ${latencyMs} ms, over the ${this.config.maxLatencyMs} ms limit`);
      }
      return result(true, `status ${answer.status} in ${latencyMs} ms`);
    } catch (e) {
      if (timedOut) return result(false, `timed out after ${this.timeoutMs} ms`);
      if (signal?.aborted) return result(false, 'interrupted');
      return result(false, errorText(e));
    } finally {
      timer.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The `version` string of a JSON object body; undefined for any other body. */
function reportedVersion(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const version = (parsed as { version?: unknown } | null)?.version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

function get(url: string, signal: AbortSignal): Promise<Answer> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** `connection refused (ECONNREFUSED)` rather than a stack: the detail is shown to users. */
function errorText(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code === 'ECONNRESET') return 'connection reset (ECONNRESET)';
  const message = e instanceof Error ? e.message : String(e);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** What the app said, for the failure detail: the first 200 bytes of the body, on one line. */
const EXCERPT_BYTES = 200;
export function bodyExcerpt(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length === 0) return '; empty body';
  const head = bytes
    .subarray(0, EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `; body: ${JSON.stringify(head)}${bytes.length > EXCERPT_BYTES ? ` (first ${EXCERPT_BYTES} of ${bytes.length} bytes)` : ''}`;
}
