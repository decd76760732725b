// Shared plumbing of the signing fronts (sigv4-front.mjs, cloudfront-front.mjs): the npm packages from
// <repo>/.tools, the adjustable clock, the stdout verdict log, S3-style refusals, the control port and the
// forwarding of an accepted request to the backend. No verification happens here.
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository's .tools/node_modules (scripts/test.sh installs there), or ARCHEIO_NODE_MODULES. */
export const nodeModules = process.env.ARCHEIO_NODE_MODULES ?? path.resolve(here, '..', '..', '..', '.tools', 'node_modules');

/** require() resolving from .tools/node_modules, whatever the script's own folder. */
export const toolsRequire = createRequire(path.join(nodeModules, 'noop.js'));

// ---- command line -------------------------------------------------------------------------------------------

/** Parses `--name value` and `--flag` arguments into an object (camelCased names). */
export function parseArgs(argv, flags = []) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new Error(`unexpected argument ${arg}`);
    }
    const name = arg.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (flags.includes(name)) {
      out[name] = true;
    } else {
      if (i + 1 >= argv.length) {
        throw new Error(`${arg} needs a value`);
      }
      out[name] = argv[++i];
    }
  }
  return out;
}

export function requireArgs(args, names, usage) {
  const missing = names.filter((n) => args[n] === undefined);
  if (missing.length > 0) {
    process.stderr.write(`missing ${missing.map((n) => '--' + n.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')}\n${usage}\n`);
    process.exit(2);
  }
}

// ---- the clock ----------------------------------------------------------------------------------------------

/**
 * The fronts' notion of now: the system clock plus an offset in seconds, set at start (--now-offset-seconds N) and
 * changed at run time on the control port (POST /clock?offset=N). A test makes a signature expired by moving this
 * clock forward instead of sleeping.
 */
export class Clock {
  constructor(offsetSeconds = 0) {
    this.offsetSeconds = offsetSeconds;
  }

  nowMs() {
    return Date.now() + this.offsetSeconds * 1000;
  }
}

/** A clock fixed at one instant (the self-tests' "at its own time"). */
export class FixedClock {
  constructor(ms) {
    this.ms = ms;
  }

  nowMs() {
    return this.ms;
  }
}

// ---- query strings ------------------------------------------------------------------------------------------

/**
 * Splits a raw query string (without '?') into pairs, keeping each pair's raw text (for forwarding and for
 * CloudFront's resource) and its decoded name and value (for SigV4's canonical query). A pair that does not
 * percent-decode has decoded = null.
 */
export function splitQuery(rawQuery) {
  if (!rawQuery) {
    return [];
  }
  return rawQuery.split('&').filter((p) => p.length > 0).map((raw) => {
    const eq = raw.indexOf('=');
    const rawName = eq < 0 ? raw : raw.slice(0, eq);
    const rawValue = eq < 0 ? '' : raw.slice(eq + 1);
    let name = null;
    let value = null;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      name = null;
      value = null;
    }
    return { raw, rawName, name, value };
  });
}

export function splitTarget(url) {
  const q = url.indexOf('?');
  return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

// ---- refusals and the verdict log ---------------------------------------------------------------------------

export function xmlEscape(s) {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

/** An S3-style error document: <Error><Code/><Message/>[extra elements]</Error>. */
export function errorXml(code, message, extra = {}) {
  const parts = Object.entries(extra)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>${parts}</Error>`;
}

/** One JSON line per request on stdout, written when its response has finished (or the connection closed). */
export function logVerdict(entry) {
  process.stdout.write(JSON.stringify(entry) + '\n');
}

/** 403 with the error document (HEAD: the same headers, no body). */
export function refuse(req, res, refusal) {
  const body = errorXml(refusal.code, refusal.message, refusal.extra);
  res.statusCode = 403;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('x-archeio-refusal', refusal.check);
  if (req.method === 'HEAD') {
    res.end();
  } else {
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }
}

// ---- forwarding ---------------------------------------------------------------------------------------------

const FORWARDED_REQUEST_HEADERS = ['range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'];
const FORWARDED_RESPONSE_HEADERS = [
  'content-length', 'content-type', 'etag', 'content-range', 'accept-ranges', 'last-modified',
  'content-encoding', 'content-disposition', 'cache-control',
];
const agent = new http.Agent({ keepAlive: true });

/**
 * Sends the accepted request to the backend as a plain anonymous one: same method, the backend base's path
 * prefix + the path as received, the query pairs kept (raw), only Range and If-* headers; streams the answer back
 * with its status and the headers above. Calls done(status) when the response has finished.
 */
export function forward(req, res, backendBase, rawPath, keptPairs, done) {
  const base = new URL(backendBase);
  const prefix = base.pathname.replace(/\/+$/, '');
  const query = keptPairs.length > 0 ? '?' + keptPairs.map((p) => p.raw).join('&') : '';
  const headers = { host: base.host };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    if (req.headers[name] !== undefined) {
      headers[name] = req.headers[name];
    }
  }
  const upstream = http.request({
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port,
    method: req.method,
    path: prefix + rawPath + query,
    headers,
    agent,
  }, (answer) => {
    const out = {};
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      if (answer.headers[name] !== undefined) {
        out[name] = answer.headers[name];
      }
    }
    res.writeHead(answer.statusCode, out);
    answer.pipe(res);
    answer.on('error', () => res.destroy());
  });
  upstream.on('error', (error) => {
    if (!res.headersSent) {
      const body = errorXml('BadGateway', `backend ${backendBase}: ${error.message}`);
      res.writeHead(502, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else {
      res.destroy();
    }
  });
  res.on('close', () => {
    if (!res.writableFinished) {
      upstream.destroy();
    }
    done(res.statusCode);
  });
  upstream.end();
}

// ---- servers ------------------------------------------------------------------------------------------------

/**
 * The front: every request goes through verify(req, clock) → { ok, auth, keptPairs } or { ok: false, refusal }.
 * A refusal is { code, message, check, extra? }: check names the failed check for the log and the tests.
 */
export function serveFront({ port, controlPort, backend, clock, verify, name }) {
  const server = http.createServer(async (req, res) => {
    const { rawPath } = splitTarget(req.url);
    const entry = { method: req.method, path: rawPath, verdict: 'refused', auth: 'none', code: null, check: null, reason: null, status: 0 };
    let outcome;
    try {
      outcome = await verify(req, clock);
    } catch (error) {
      outcome = { ok: false, auth: 'none', refusal: { code: 'InternalError', check: 'internal', message: `the front failed: ${error.stack ?? error}` } };
    }
    entry.auth = outcome.auth;
    if (!outcome.ok) {
      entry.code = outcome.refusal.code;
      entry.check = outcome.refusal.check;
      entry.reason = outcome.refusal.message;
      res.on('close', () => {
        entry.status = res.statusCode;
        logVerdict(entry);
      });
      refuse(req, res, outcome.refusal);
      return;
    }
    entry.verdict = 'accepted';
    entry.reason = outcome.reason ?? 'signature verified';
    forward(req, res, backend, rawPath, outcome.keptPairs, (status) => {
      entry.status = status;
      logVerdict(entry);
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('error', (error) => {
    process.stderr.write(`${name}: ${error.code ?? ''} ${error.message}\n`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1');

  const control = http.createServer((req, res) => {
    const { rawPath, rawQuery } = splitTarget(req.url);
    const send = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (rawPath === '/clock' && (req.method === 'POST' || req.method === 'GET')) {
      if (req.method === 'POST') {
        const offset = splitQuery(rawQuery).find((p) => p.name === 'offset');
        const seconds = offset ? Number(offset.value) : NaN;
        if (!Number.isFinite(seconds)) {
          send(400, { error: 'POST /clock?offset=<seconds> (a finite number, may be negative or fractional)' });
          return;
        }
        clock.offsetSeconds = seconds;
      }
      send(200, { offsetSeconds: clock.offsetSeconds, now: new Date(clock.nowMs()).toISOString() });
      return;
    }
    if (rawPath === '/ready') {
      send(200, { ready: true });
      return;
    }
    send(404, { error: 'GET|POST /clock[?offset=N], GET /ready' });
  });
  control.on('error', (error) => {
    process.stderr.write(`${name} control: ${error.code ?? ''} ${error.message}\n`);
    process.exit(1);
  });
  control.listen(controlPort, '127.0.0.1');
  let listening = 0;
  const announce = () => {
    if (++listening === 2) {
      logVerdict({ event: 'listening', name, port: server.address().port, controlPort: control.address().port, backend });
    }
  };
  server.on('listening', announce);
  control.on('listening', announce);
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => process.exit(0));
  }
}

/** Self-test bookkeeping: one line per case, exit 0 only when all passed. */
export class SelfTest {
  constructor(name) {
    this.name = name;
    this.failed = 0;
    this.passed = 0;
  }

  check(caseName, ok, detail = '') {
    if (ok) {
      this.passed++;
    } else {
      this.failed++;
    }
    process.stdout.write(`${ok ? 'PASS' : 'FAIL'} ${caseName}${detail ? ': ' + detail : ''}\n`);
  }

  finish() {
    process.stdout.write(`${this.name} self-test: ${this.passed} passed, ${this.failed} failed\n`);
    process.exit(this.failed === 0 && this.passed > 0 ? 0 : 1);
  }
}
