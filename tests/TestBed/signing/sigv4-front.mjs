#!/usr/bin/env node
// A bucket front that refuses every request whose AWS Signature Version 4 does not verify, then forwards the
// accepted ones to an anonymous backend (s3rver). The signature is recomputed by the AWS SDK for JavaScript v3's
// signer, @smithy/signature-v4 (its canonical headers, canonical query, canonical request and HMAC chain), with
// @aws-crypto/sha256-js; the front only parses the request and applies S3's checks around it.
//
//   node sigv4-front.mjs --port P --control-port C --backend http://127.0.0.1:S3RVER \
//       --access-key-id AKID --secret-key SECRET --region eu-west-3 [--service s3] [--session-token T] \
//       [--now-offset-seconds N]
//   node sigv4-front.mjs --self-test
//
// Clock: the front's now is the system clock + an offset (seconds), set by --now-offset-seconds and changed on the
// control port with POST /clock?offset=N (GET /clock shows it). Log: one JSON line per request on stdout, written
// when its response finished: {method, path, verdict: accepted|refused, auth: query|header|none, code, check,
// reason, status}.
import { timingSafeEqual } from 'node:crypto';
import {
  Clock, FixedClock, SelfTest, parseArgs, requireArgs, serveFront, splitQuery, splitTarget, toolsRequire,
} from './common.mjs';

const signatureV4 = toolsRequire('@smithy/signature-v4');
const { Sha256 } = toolsRequire('@aws-crypto/sha256-js');
// The signer's own URI encoder (encodeURIComponent plus !'()*), from the package it imports it from.
const { escapeUri } = toolsRequire('@smithy/core/protocols');
const { SignatureV4, getCanonicalHeaders } = signatureV4;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const MAX_EXPIRES = 604800;
const MAX_SKEW_MS = 15 * 60 * 1000;
const QUERY_AUTH = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
const SIGNATURE_DOES_NOT_MATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

const refusal = (code, check, message, extra) => ({ ok: false, refusal: { code, check, message, extra } });

/** "yyyyMMdd'T'HHmmss'Z'" → epoch ms, or NaN. */
function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!m) {
    return NaN;
  }
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  const back = new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return back === text ? ms : NaN;
}

/**
 * S3's canonical URI: each segment percent-decoded, then URI-encoded once with the signer's encoder ('/' kept,
 * no dot-segment removal, no double encoding: the S3 client's uriEscapePath=false). So `/a/sha256:x`,
 * `/a/sha256%3Ax` and `/a/sha256%3ax` all canonicalize to `/a/sha256%3Ax`. null when a segment does not decode.
 */
export function canonicalS3Path(rawPath) {
  try {
    return rawPath.split('/').map((segment) => escapeUri(decodeURIComponent(segment))).join('/');
  } catch {
    return null;
  }
}

function headerValue(headers, name) {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameHex(a, b) {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/**
 * Recomputes the signature of the request as received with @smithy/signature-v4: the signed headers' values,
 * the canonical query of every parameter (the signer drops X-Amz-Signature itself), the payload hash, the
 * credential scope. Returns { signature, signedHeaders, canonicalRequest }.
 */
async function computeSignature(config, request, signedHeaderNames, payloadHash, longDate, token) {
  const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretKey, sessionToken: token };
  const signer = new SignatureV4({
    credentials,
    region: config.region,
    service: config.service,
    sha256: Sha256,
    uriEscapePath: false, // the path is already S3's canonical URI (canonicalS3Path)
    applyChecksum: false,
  });
  const headers = {};
  for (const name of signedHeaderNames) {
    headers[name] = request.headers[name];
  }
  const toSign = { ...request, headers };
  const canonicalHeaders = getCanonicalHeaders(toSign, undefined, new Set(signedHeaderNames));
  const canonicalRequest = signer.createCanonicalRequest(toSign, canonicalHeaders, payloadHash);
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${config.region}/${config.service}/aws4_request`;
  const signature = await signer.getSignature(
    longDate, scope, signer.getSigningKey(credentials, config.region, shortDate, config.service), canonicalRequest);
  return { signature, signedHeaders: Object.keys(canonicalHeaders).sort().join(';'), canonicalRequest };
}

function checkScope(config, credential, amzDate, malformedCode) {
  const parts = (credential ?? '').split('/');
  if (parts.length !== 5) {
    return refusal(malformedCode, 'credential', `the credential '${credential}' is not <access key id>/<date>/<region>/<service>/aws4_request`);
  }
  const [accessKeyId, date, region, service, terminator] = parts;
  if (accessKeyId !== config.accessKeyId) {
    return refusal('InvalidAccessKeyId', 'access-key', `The AWS Access Key Id you provided does not exist in our records: '${accessKeyId}'`);
  }
  if (date !== amzDate.slice(0, 8)) {
    return refusal(malformedCode, 'credential-date', `Invalid credential date '${date}': it is not the day of the request's date ${amzDate}`);
  }
  if (region !== config.region) {
    return refusal(malformedCode, 'region', `the region '${region}' is wrong; expecting '${config.region}'`);
  }
  if (service !== config.service) {
    return refusal(malformedCode, 'service', `the service '${service}' is wrong; expecting '${config.service}'`);
  }
  if (terminator !== 'aws4_request') {
    return refusal(malformedCode, 'credential', `the credential must end in aws4_request, not '${terminator}'`);
  }
  return null;
}

function checkToken(config, token) {
  if (token === undefined && config.sessionToken) {
    return refusal('AccessDenied', 'token', 'this front requires a session token (X-Amz-Security-Token)');
  }
  if (token !== undefined && token !== config.sessionToken) {
    return refusal('InvalidToken', 'token', 'The provided token is malformed or otherwise invalid.');
  }
  return null;
}

/** Presigned URL: X-Amz-* in the query. */
async function verifyQuery(config, req, pairs, nowMs) {
  const single = {};
  for (const name of [...QUERY_AUTH, 'X-Amz-Security-Token']) {
    const found = pairs.filter((p) => p.name === name);
    if (found.length > 1) {
      return refusal('AuthorizationQueryParametersError', 'query', `${name} is given ${found.length} times`);
    }
    single[name] = found[0]?.value;
  }
  const missing = QUERY_AUTH.filter((n) => single[n] === undefined);
  if (missing.length > 0) {
    return refusal('AuthorizationQueryParametersError', 'query',
      `Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; missing ${missing.join(', ')}`);
  }
  if (single['X-Amz-Algorithm'] !== ALGORITHM) {
    return refusal('AuthorizationQueryParametersError', 'algorithm', `X-Amz-Algorithm only supports "${ALGORITHM}", not "${single['X-Amz-Algorithm']}"`);
  }
  const amzDate = single['X-Amz-Date'];
  const dateMs = parseAmzDate(amzDate);
  if (Number.isNaN(dateMs)) {
    return refusal('AuthorizationQueryParametersError', 'date', `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", not '${amzDate}'`);
  }
  const scope = checkScope(config, single['X-Amz-Credential'], amzDate, 'AuthorizationQueryParametersError');
  if (scope) {
    return scope;
  }
  const expiresText = single['X-Amz-Expires'];
  if (!/^\d{1,7}$/.test(expiresText) || Number(expiresText) < 1 || Number(expiresText) > MAX_EXPIRES) {
    return refusal('AuthorizationQueryParametersError', 'expires', `X-Amz-Expires must be between 1 and ${MAX_EXPIRES} seconds (a week), not '${expiresText}'`);
  }
  const signedHeaderNames = single['X-Amz-SignedHeaders'].split(';');
  if (!signedHeaderNames.includes('host')) {
    return refusal('AuthorizationQueryParametersError', 'host-not-signed', `host must be a signed header; X-Amz-SignedHeaders is '${single['X-Amz-SignedHeaders']}'`);
  }
  if (dateMs - nowMs > MAX_SKEW_MS) {
    return refusal('AccessDenied', 'not-yet-valid', `Request is not valid yet: X-Amz-Date ${amzDate} is more than 15 minutes after now (${new Date(nowMs).toISOString()})`,
      { ServerTime: new Date(nowMs).toISOString() });
  }
  const expiresMs = dateMs + Number(expiresText) * 1000;
  if (nowMs >= expiresMs) {
    return refusal('AccessDenied', 'expired', `Request has expired: X-Amz-Date ${amzDate} + X-Amz-Expires ${expiresText} s = ${new Date(expiresMs).toISOString()}, now ${new Date(nowMs).toISOString()}`,
      { 'X-Amz-Expires': expiresText, Expires: new Date(expiresMs).toISOString(), ServerTime: new Date(nowMs).toISOString() });
  }
  const token = checkToken(config, single['X-Amz-Security-Token']);
  if (token) {
    return token;
  }
  return verifySignature(config, req, pairs, signedHeaderNames, single['X-Amz-SignedHeaders'], single['X-Amz-Signature'], amzDate,
    headerValue(req.headers, 'x-amz-content-sha256') !== undefined && signedHeaderNames.includes('x-amz-content-sha256')
      ? headerValue(req.headers, 'x-amz-content-sha256') : UNSIGNED_PAYLOAD,
    single['X-Amz-Security-Token']);
}

/** Authorization header: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… with x-amz-date. */
async function verifyHeader(config, req, pairs, nowMs) {
  const authorization = headerValue(req.headers, 'authorization');
  const match = /^AWS4-HMAC-SHA256 +(.*)$/.exec(authorization);
  if (!match) {
    return refusal('AccessDenied', 'algorithm', `only ${ALGORITHM} Authorization headers are accepted, not '${authorization.split(' ')[0]}'`);
  }
  const fields = {};
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq < 0 || fields[name] !== undefined) {
      return refusal('AuthorizationHeaderMalformed', 'header', `the authorization header is malformed: '${authorization}'`);
    }
    fields[name] = part.slice(eq + 1).trim();
  }
  if (!fields.Credential || !fields.SignedHeaders || !fields.Signature) {
    return refusal('AuthorizationHeaderMalformed', 'header', 'the authorization header needs Credential, SignedHeaders and Signature');
  }
  const amzDate = headerValue(req.headers, 'x-amz-date');
  if (amzDate === undefined) {
    return refusal('AccessDenied', 'date', 'AWS authentication requires a valid x-amz-date header (this front does not take Date)');
  }
  const dateMs = parseAmzDate(amzDate);
  if (Number.isNaN(dateMs)) {
    return refusal('AccessDenied', 'date', `x-amz-date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", not '${amzDate}'`);
  }
  const scope = checkScope(config, fields.Credential, amzDate, 'AuthorizationHeaderMalformed');
  if (scope) {
    return scope;
  }
  const signedHeaderNames = fields.SignedHeaders.split(';');
  if (!signedHeaderNames.includes('host')) {
    return refusal('AuthorizationHeaderMalformed', 'host-not-signed', `host must be a signed header; SignedHeaders is '${fields.SignedHeaders}'`);
  }
  if (Math.abs(nowMs - dateMs) > MAX_SKEW_MS) {
    return refusal('RequestTimeTooSkewed', 'expired', `The difference between the request time (${amzDate}) and the current time (${new Date(nowMs).toISOString()}) is too large.`,
      { RequestTime: amzDate, ServerTime: new Date(nowMs).toISOString(), MaxAllowedSkewMilliseconds: MAX_SKEW_MS });
  }
  const payloadHash = headerValue(req.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    return refusal('InvalidRequest', 'payload', 'Missing required header for this request: x-amz-content-sha256');
  }
  if ((req.method === 'GET' || req.method === 'HEAD') && payloadHash !== EMPTY_SHA256 && payloadHash !== UNSIGNED_PAYLOAD) {
    return refusal('XAmzContentSHA256Mismatch', 'payload', `The provided 'x-amz-content-sha256' header (${payloadHash}) does not match what was computed for an empty body.`);
  }
  const token = checkToken(config, headerValue(req.headers, 'x-amz-security-token'));
  if (token) {
    return token;
  }
  return verifySignature(config, req, pairs, signedHeaderNames, fields.SignedHeaders, fields.Signature, amzDate, payloadHash,
    headerValue(req.headers, 'x-amz-security-token'));
}

async function verifySignature(config, req, pairs, signedHeaderNames, signedHeadersText, given, amzDate, payloadHash, token) {
  if (!/^[0-9a-f]{64}$/.test(given)) {
    return refusal('SignatureDoesNotMatch', 'signature', `${SIGNATURE_DOES_NOT_MATCH} (the signature is not 64 lowercase hex digits)`);
  }
  const absent = signedHeaderNames.filter((n) => headerValue(req.headers, n) === undefined);
  if (absent.length > 0) {
    return refusal('SignatureDoesNotMatch', 'signature', `${SIGNATURE_DOES_NOT_MATCH} (signed header(s) ${absent.join(', ')} not in the request)`);
  }
  const { rawPath } = splitTarget(req.url);
  const path = canonicalS3Path(rawPath);
  if (path === null) {
    return refusal('InvalidURI', 'path', `the path '${rawPath}' does not percent-decode`);
  }
  const query = {};
  for (const p of pairs) {
    if (Object.hasOwn(query, p.name)) {
      query[p.name] = [].concat(query[p.name], p.value);
    } else {
      query[p.name] = p.value;
    }
  }
  const headers = {};
  for (const name of signedHeaderNames) {
    headers[name] = headerValue(req.headers, name);
  }
  const request = { method: req.method, protocol: 'http:', hostname: headerValue(req.headers, 'host'), path, query, headers };
  const computed = await computeSignature(config, request, signedHeaderNames, payloadHash, amzDate, token);
  if (computed.signedHeaders !== signedHeadersText) {
    return refusal('SignatureDoesNotMatch', 'signature',
      `${SIGNATURE_DOES_NOT_MATCH} (the signed headers must be lowercase, sorted and distinct: got '${signedHeadersText}', canonical '${computed.signedHeaders}')`,
      { CanonicalRequest: computed.canonicalRequest });
  }
  if (!sameHex(computed.signature, given)) {
    return refusal('SignatureDoesNotMatch', 'signature', SIGNATURE_DOES_NOT_MATCH,
      { SignatureProvided: given, CanonicalRequest: computed.canonicalRequest });
  }
  return { ok: true };
}

/**
 * The whole check of one request: method, which authentication, then the query or header verification.
 * req: { method, url (raw target), headers (lowercase names) }. Returns { ok, auth, keptPairs } or
 * { ok: false, auth, refusal: { code, check, message, extra } }.
 */
export async function verifySigV4(config, req, nowMs) {
  const { rawQuery } = splitTarget(req.url);
  const pairs = splitQuery(rawQuery);
  const hasQueryAuth = pairs.some((p) => p.name === 'X-Amz-Algorithm' || p.name === 'X-Amz-Credential' || p.name === 'X-Amz-Signature');
  const hasHeaderAuth = req.headers.authorization !== undefined;
  const auth = hasQueryAuth ? 'query' : hasHeaderAuth ? 'header' : 'none';
  const done = (outcome) => ({
    ...outcome,
    auth,
    // Forwarded: every pair but the X-Amz-* ones (raw, in the order received).
    keptPairs: outcome.ok ? pairs.filter((p) => !/^x-amz-/i.test(p.name)) : undefined,
  });
  if (!config.methods.includes(req.method)) {
    return done(refusal('AccessDenied', 'method', `this front serves ${config.methods.join(' and ')} only, not ${req.method}`));
  }
  if (pairs.some((p) => p.name === null)) {
    return done(refusal('InvalidArgument', 'query', 'the query string does not percent-decode'));
  }
  if (hasQueryAuth && hasHeaderAuth) {
    return done(refusal('InvalidArgument', 'both', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified'));
  }
  if (auth === 'none') {
    return done(refusal('AccessDenied', 'unsigned', 'Access Denied: the request has no signature (anonymous requests are refused by this front)'));
  }
  return done(auth === 'query' ? await verifyQuery(config, req, pairs, nowMs) : await verifyHeader(config, req, pairs, nowMs));
}

// ---- self-test against AWS's published examples -------------------------------------------------------------

/*
 * The examples of the Amazon S3 API Reference, all with AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,
 * us-east-1, s3, 20130524T000000Z, host examplebucket.s3.amazonaws.com:
 * - "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)": presigned GET /test.txt,
 *   X-Amz-Expires=86400, signature aeeed9bb…d404.
 * - "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk", its
 *   "Examples: Signature Calculations": GET Object (Range: bytes=0-9) f0e8bdb8…db41, PUT Object
 *   (/test$file.text) 98ad7217…08bd, GET Bucket Lifecycle (?lifecycle) fea454ca…3543, GET Bucket List Objects
 *   (?max-keys=2&prefix=J) 34b48302…c6f7.
 */
const EXAMPLE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 's3',
  methods: ['GET', 'HEAD'],
};
const EXAMPLE_TIME = Date.UTC(2013, 4, 24, 0, 0, 0);
const HOST = 'examplebucket.s3.amazonaws.com';
const PRESIGNED_SIGNATURE = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
const presignedUrl = (path, signature = PRESIGNED_SIGNATURE) => `${path}?X-Amz-Algorithm=AWS4-HMAC-SHA256`
  + '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request'
  + `&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;
const headerAuth = (signedHeaders, signature) =>
  `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`;
const GET_OBJECT = {
  method: 'GET',
  url: '/test.txt',
  headers: {
    host: HOST,
    range: 'bytes=0-9',
    'x-amz-content-sha256': EMPTY_SHA256,
    'x-amz-date': '20130524T000000Z',
    authorization: headerAuth('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
  },
};
const PUT_OBJECT = {
  method: 'PUT',
  url: '/test%24file.text',
  headers: {
    host: HOST,
    date: 'Fri, 24 May 2013 00:00:00 GMT',
    'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization: headerAuth('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
  },
};
const bucketGet = (url, signature) => ({
  method: 'GET',
  url,
  headers: {
    host: HOST,
    'x-amz-content-sha256': EMPTY_SHA256,
    'x-amz-date': '20130524T000000Z',
    authorization: headerAuth('host;x-amz-content-sha256;x-amz-date', signature),
  },
});
const LIFECYCLE = bucketGet('/?lifecycle', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
const LIST_OBJECTS = bucketGet('/?max-keys=2&prefix=J', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');

const flip = (text, index) => text.slice(0, index) + (text[index] === '0' ? '1' : '0') + text.slice(index + 1);
const withHeaders = (request, headers) => ({ ...request, headers: { ...request.headers, ...headers } });

async function selfTest() {
  const test = new SelfTest('sigv4-front');
  const cases = [
    // [name, config, request, now, expected: 'accepted' | refusal code, check?]
    ['presigned GET example at its time', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME, 'accepted'],
    ['presigned GET example 1 s before it expires', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME + 86399_000, 'accepted'],
    ['presigned GET example, path changed by one byte (/test.txu)', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txu'), headers: { host: HOST } }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['presigned GET example, signature changed by one digit', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txt', flip(PRESIGNED_SIGNATURE, 63)), headers: { host: HOST } }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['presigned GET example, expired (at X-Amz-Date + 86400 s)', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME + 86400_000, 'AccessDenied', 'expired'],
    ['presigned GET example, 16 min before X-Amz-Date', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME - 16 * 60_000, 'AccessDenied', 'not-yet-valid'],
    ['presigned GET example, another Host', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: 'otherbucket.s3.amazonaws.com' } }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['presigned GET example sent as HEAD', EXAMPLE, { method: 'HEAD', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['presigned GET example, front in eu-west-3', { ...EXAMPLE, region: 'eu-west-3' }, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME, 'AuthorizationQueryParametersError', 'region'],
    ['presigned GET example, front with another access key id', { ...EXAMPLE, accessKeyId: 'AKIAOTHER' }, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME, 'InvalidAccessKeyId', 'access-key'],
    ['presigned GET example, front with another secret key', { ...EXAMPLE, secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ' }, { method: 'GET', url: presignedUrl('/test.txt'), headers: { host: HOST } }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['presigned GET example without X-Amz-Signature', EXAMPLE, { method: 'GET', url: presignedUrl('/test.txt').replace(/&X-Amz-Signature=.*$/, ''), headers: { host: HOST } }, EXAMPLE_TIME, 'AuthorizationQueryParametersError', 'query'],
    ['header GET Object example at its time', EXAMPLE, GET_OBJECT, EXAMPLE_TIME, 'accepted'],
    ['header GET Object example 15 min later', EXAMPLE, GET_OBJECT, EXAMPLE_TIME + 15 * 60_000, 'accepted'],
    ['header GET Object example, path changed by one byte', EXAMPLE, { ...GET_OBJECT, url: '/test.txu' }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['header GET Object example, signature changed by one digit', EXAMPLE, withHeaders(GET_OBJECT, { authorization: GET_OBJECT.headers.authorization.replace(/.$/, '0') }), EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['header GET Object example, Range changed', EXAMPLE, withHeaders(GET_OBJECT, { range: 'bytes=0-8' }), EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['header GET Object example, 16 min later (expired)', EXAMPLE, GET_OBJECT, EXAMPLE_TIME + 16 * 60_000, 'RequestTimeTooSkewed', 'expired'],
    ['header GET Object example, front in eu-west-3', { ...EXAMPLE, region: 'eu-west-3' }, GET_OBJECT, EXAMPLE_TIME, 'AuthorizationHeaderMalformed', 'region'],
    ['header GET Bucket Lifecycle example (?lifecycle)', EXAMPLE, LIFECYCLE, EXAMPLE_TIME, 'accepted'],
    ['header GET Bucket List Objects example (?max-keys=2&prefix=J)', EXAMPLE, LIST_OBJECTS, EXAMPLE_TIME, 'accepted'],
    ['header List Objects example, query sent in another order', EXAMPLE, { ...LIST_OBJECTS, url: '/?prefix=J&max-keys=2' }, EXAMPLE_TIME, 'accepted'],
    ['header List Objects example, query value changed', EXAMPLE, { ...LIST_OBJECTS, url: '/?max-keys=3&prefix=J' }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['header PUT Object example (/test%24file.text), PUT allowed', { ...EXAMPLE, methods: ['PUT'] }, PUT_OBJECT, EXAMPLE_TIME, 'accepted'],
    ['header PUT Object example sent unencoded (/test$file.text), PUT allowed', { ...EXAMPLE, methods: ['PUT'] }, { ...PUT_OBJECT, url: '/test$file.text' }, EXAMPLE_TIME, 'accepted'],
    ['header PUT Object example, double-encoded path (/test%2524file.text)', { ...EXAMPLE, methods: ['PUT'] }, { ...PUT_OBJECT, url: '/test%2524file.text' }, EXAMPLE_TIME, 'SignatureDoesNotMatch', 'signature'],
    ['header PUT Object example at the front (GET and HEAD only)', EXAMPLE, PUT_OBJECT, EXAMPLE_TIME, 'AccessDenied', 'method'],
    ['unsigned GET', EXAMPLE, { method: 'GET', url: '/test.txt', headers: { host: HOST } }, EXAMPLE_TIME, 'AccessDenied', 'unsigned'],
    ['both query and header authentication', EXAMPLE, withHeaders({ method: 'GET', url: presignedUrl('/test.txt') }, GET_OBJECT.headers), EXAMPLE_TIME, 'InvalidArgument', 'both'],
  ];
  for (const [name, config, request, now, expected, check] of cases) {
    const outcome = await verifySigV4(config, request, new FixedClock(now).nowMs());
    const got = outcome.ok ? 'accepted' : outcome.refusal.code;
    const gotCheck = outcome.ok ? undefined : outcome.refusal.check;
    const ok = got === expected && (check === undefined || check === gotCheck);
    test.check(name, ok, `${ok ? '' : `expected ${expected}${check ? ' (' + check + ')' : ''}, `}got ${got}${gotCheck ? ' (' + gotCheck + ')' : ''}`
      + `${ok || outcome.ok ? '' : ': ' + outcome.refusal.message}`);
  }

  // The composition above agrees with the signer's own presign() and sign() on the same examples.
  const signer = new SignatureV4({
    credentials: { accessKeyId: EXAMPLE.accessKeyId, secretAccessKey: EXAMPLE.secretKey },
    region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false,
  });
  const presigned = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname: HOST, path: '/test.txt', query: {}, headers: { host: HOST, 'x-amz-content-sha256': UNSIGNED_PAYLOAD } },
    { signingDate: new Date(EXAMPLE_TIME), expiresIn: 86400, unsignableHeaders: new Set(['x-amz-content-sha256']), unhoistableHeaders: new Set(['x-amz-content-sha256']) });
  test.check('SignatureV4.presign() gives the presigned example\'s signature', presigned.query['X-Amz-Signature'] === PRESIGNED_SIGNATURE, presigned.query['X-Amz-Signature']);
  const signed = await signer.sign(
    { method: 'GET', protocol: 'https:', hostname: HOST, path: '/test.txt', query: {}, headers: { host: HOST, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256 } },
    { signingDate: new Date(EXAMPLE_TIME) });
  test.check('SignatureV4.sign() gives the GET Object example\'s Authorization', signed.headers.authorization.replace(/, /g, ',') === GET_OBJECT.headers.authorization, signed.headers.authorization);
  test.finish();
}

// ---- main ---------------------------------------------------------------------------------------------------

const USAGE = 'usage: sigv4-front.mjs --port P --control-port C --backend URL --access-key-id ID --secret-key KEY --region R '
  + '[--service s3] [--session-token T] [--now-offset-seconds N] | --self-test';
const args = parseArgs(process.argv.slice(2), ['selfTest']);
if (args.selfTest) {
  await selfTest();
} else {
  requireArgs(args, ['port', 'controlPort', 'backend', 'accessKeyId', 'secretKey', 'region'], USAGE);
  const config = {
    accessKeyId: args.accessKeyId,
    secretKey: args.secretKey,
    region: args.region,
    service: args.service ?? 's3',
    sessionToken: args.sessionToken,
    methods: ['GET', 'HEAD'],
  };
  const clock = new Clock(Number(args.nowOffsetSeconds ?? 0));
  serveFront({
    name: 'sigv4-front',
    port: Number(args.port),
    controlPort: Number(args.controlPort),
    backend: args.backend,
    clock,
    verify: (req, c) => verifySigV4(config, req, c.nowMs()),
  });
}
