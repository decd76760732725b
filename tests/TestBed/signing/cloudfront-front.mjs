#!/usr/bin/env node
// A CloudFront-like front that accepts only requests carrying a valid canned-policy signed URL (Expires, Signature,
// Key-Pair-Id, optional Hash-Algorithm=SHA256), then forwards them to an anonymous backend (s3rver or any base URL).
// The policy is rebuilt as CloudFront does and verified with node's crypto.verify against the configured public key
// (RSA: PKCS#1 v1.5; EC P-256: a DER ECDSA signature), over SHA-1 (or SHA-256 with Hash-Algorithm=SHA256).
//
//   node cloudfront-front.mjs --port P --control-port C --backend URL --public-key key.pem --key-pair-id K2JCJMDEHXQW5F \
//       [--resource-base https://d111111abcdef8.cloudfront.net] [--now-offset-seconds N]
//   node cloudfront-front.mjs --self-test
//
// Resource: the URL as requested, <resource base><path as received>[?<the other query pairs as received, in order>]
// with Expires, Signature, Key-Pair-Id and Hash-Algorithm removed; the resource base is http://<Host header> unless
// --resource-base is given (for URLs signed for a distribution's domain but sent here). Clock and log: as
// sigv4-front.mjs (POST /clock?offset=N on the control port; one JSON line per request on stdout).
import { createPublicKey, generateKeyPairSync, verify as cryptoVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Clock, FixedClock, SelfTest, parseArgs, requireArgs, serveFront, splitQuery, splitTarget, toolsRequire,
} from './common.mjs';

const CLOUDFRONT_PARAMS = ['Expires', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm'];
const refusal = (code, check, message) => ({ ok: false, refusal: { code, check, message } });

/** The canned policy exactly as CloudFront (and @aws-sdk/cloudfront-signer) serializes it: no white space. */
export function cannedPolicy(resource, expires) {
  return `{"Statement":[{"Resource":${JSON.stringify(resource)},"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

/** CloudFront-safe base64 ('-' for '+', '_' for '=', '~' for '/') → bytes, or null. */
export function decodeCloudFrontBase64(text) {
  const standard = text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(standard) || standard.length % 4 !== 0) {
    return null;
  }
  return Buffer.from(standard, 'base64');
}

/**
 * config: { keyPairId, publicKey (KeyObject), resourceBase? }. req: { method, url (raw target), headers }.
 * Returns { ok, auth, keptPairs } or { ok: false, auth, refusal: { code, check, message } }.
 */
export function verifyCloudFront(config, req, nowMs) {
  const { rawPath, rawQuery } = splitTarget(req.url);
  const pairs = splitQuery(rawQuery);
  const find = (name) => pairs.filter((p) => p.name === name);
  const signed = CLOUDFRONT_PARAMS.some((n) => find(n).length > 0) || find('Policy').length > 0;
  const auth = signed ? 'query' : 'none';
  const done = (outcome) => ({
    ...outcome,
    auth,
    keptPairs: outcome.ok ? pairs.filter((p) => !CLOUDFRONT_PARAMS.includes(p.name)) : undefined,
  });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return done(refusal('AccessDenied', 'method', `this front serves GET and HEAD only, not ${req.method}`));
  }
  if (pairs.some((p) => p.name === null)) {
    return done(refusal('AccessDenied', 'query', 'the query string does not percent-decode'));
  }
  if (!signed) {
    return done(refusal('MissingKey', 'unsigned', 'Missing Key-Pair-Id query parameter or cookie value (unsigned requests are refused by this front)'));
  }
  for (const name of [...CLOUDFRONT_PARAMS, 'Policy']) {
    if (find(name).length > 1) {
      return done(refusal('AccessDenied', 'query', `${name} is given ${find(name).length} times`));
    }
  }
  if (find('Policy').length > 0) {
    return done(refusal('AccessDenied', 'policy', 'custom policies (Policy=) are not accepted by this front: canned policies only'));
  }
  const keyPairId = find('Key-Pair-Id')[0]?.value;
  const expires = find('Expires')[0]?.value;
  const signature = find('Signature')[0]?.value;
  const hashAlgorithm = find('Hash-Algorithm')[0]?.value ?? 'SHA1';
  if (keyPairId === undefined) {
    return done(refusal('MissingKey', 'key-pair-id', 'Missing Key-Pair-Id query parameter or cookie value'));
  }
  if (keyPairId !== config.keyPairId) {
    return done(refusal('InvalidKey', 'key-pair-id', `Unknown Key: Key-Pair-Id '${keyPairId}' is not '${config.keyPairId}'`));
  }
  if (expires === undefined || signature === undefined) {
    return done(refusal('AccessDenied', 'query', `a canned-policy signed URL needs Expires and Signature (missing ${expires === undefined ? 'Expires' : 'Signature'})`));
  }
  if (!/^(0|[1-9]\d{0,9})$/.test(expires) || Number(expires) > 2147483647) {
    return done(refusal('AccessDenied', 'query', `Expires must be an epoch time in seconds (at most 2147483647), not '${expires}'`));
  }
  if (hashAlgorithm !== 'SHA1' && hashAlgorithm !== 'SHA256') {
    return done(refusal('AccessDenied', 'query', `Hash-Algorithm must be SHA1 or SHA256, not '${hashAlgorithm}'`));
  }
  const signatureBytes = decodeCloudFrontBase64(signature);
  if (signatureBytes === null) {
    return done(refusal('AccessDenied', 'signature', 'Signature is not CloudFront-safe base64'));
  }
  const rest = pairs.filter((p) => !CLOUDFRONT_PARAMS.includes(p.name)).map((p) => p.raw);
  const base = config.resourceBase ?? `http://${req.headers.host}`;
  const resource = base + rawPath + (rest.length > 0 ? '?' + rest.join('&') : '');
  const policy = cannedPolicy(resource, Number(expires));
  let verified = false;
  try {
    verified = cryptoVerify(hashAlgorithm === 'SHA256' ? 'sha256' : 'sha1', Buffer.from(policy, 'utf8'), config.publicKey, signatureBytes);
  } catch {
    verified = false;
  }
  if (!verified) {
    return done(refusal('AccessDenied', 'signature', `Access denied: the signature does not verify over the policy ${policy}`));
  }
  if (nowMs >= Number(expires) * 1000) {
    return done(refusal('AccessDenied', 'expired', `Access denied: the URL expired at ${new Date(Number(expires) * 1000).toISOString()} (now ${new Date(nowMs).toISOString()})`));
  }
  return done({ ok: true, reason: `canned policy verified (${config.publicKey.asymmetricKeyType}, ${hashAlgorithm})` });
}

// ---- self-test ----------------------------------------------------------------------------------------------

async function selfTest() {
  const { getSignedUrl } = toolsRequire('@aws-sdk/cloudfront-signer');
  const test = new SelfTest('cloudfront-front');
  const pem = (pair) => ({
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKey: createPublicKey(pair.publicKey.export({ type: 'spki', format: 'pem' })),
  });
  const rsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }));
  const ec = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const host = '127.0.0.1:8443';
  const now = Date.UTC(2026, 0, 1, 10, 0, 0);
  const expires = now / 1000 + 3600;
  const keyPairId = 'K2JCJMDEHXQW5F';
  const sign = (key, url, extra = {}) => getSignedUrl({ url, keyPairId, privateKey: key.privateKey, dateLessThan: new Date(expires * 1000).toISOString(), ...extra });
  const target = (signedUrl) => signedUrl.replace(/^[a-z]+:\/\/[^/]+/, '');
  const object = `http://${host}/mirror/containers/images/sha256:0123abcd`;
  const rsaUrl = sign(rsa, object);
  const ecUrl = sign(ec, object);
  const queryUrl = sign(rsa, `http://${host}/mirror/blob?versionId=3&x=a%20b`);
  const sha256Url = sign(rsa, object, { algorithm: 'SHA256' });
  const rsaConfig = { keyPairId, publicKey: rsa.publicKey };
  const ecConfig = { keyPairId, publicKey: ec.publicKey };
  const cases = [
    // [name, config, target, now, expected code or 'accepted', check]
    ['RSA-SHA1 URL from @aws-sdk/cloudfront-signer', rsaConfig, target(rsaUrl), now, 'accepted'],
    ['EC P-256 URL from @aws-sdk/cloudfront-signer', ecConfig, target(ecUrl), now, 'accepted'],
    ['URL with its own query parameters', rsaConfig, target(queryUrl), now, 'accepted'],
    ['Hash-Algorithm=SHA256 URL', rsaConfig, target(sha256Url), now, 'accepted'],
    ['1 s before Expires', rsaConfig, target(rsaUrl), expires * 1000 - 1000, 'accepted'],
    ['path changed by one byte', rsaConfig, target(rsaUrl).replace('0123abcd', '0123abce'), now, 'AccessDenied', 'signature'],
    ['query parameter added after signing', rsaConfig, target(rsaUrl) + '&x=1', now, 'AccessDenied', 'signature'],
    ['Expires changed', rsaConfig, target(rsaUrl).replace(`Expires=${expires}`, `Expires=${expires + 1}`), now, 'AccessDenied', 'signature'],
    ['expired (at Expires)', rsaConfig, target(rsaUrl), expires * 1000, 'AccessDenied', 'expired'],
    ['another Key-Pair-Id', rsaConfig, target(rsaUrl).replace(keyPairId, 'KOTHERKEYPAIR'), now, 'InvalidKey', 'key-pair-id'],
    ['signed with the EC key, front holds the RSA key', rsaConfig, target(ecUrl), now, 'AccessDenied', 'signature'],
    ['signed for another host', rsaConfig, target(sign(rsa, object.replace(host, 'd111111abcdef8.cloudfront.net'))), now, 'AccessDenied', 'signature'],
    ['signed for the distribution, front given that resource base', { ...rsaConfig, resourceBase: 'https://d111111abcdef8.cloudfront.net' },
      target(sign(rsa, object.replace(`http://${host}`, 'https://d111111abcdef8.cloudfront.net'))), now, 'accepted'],
    ['unsigned', rsaConfig, '/mirror/containers/images/sha256:0123abcd', now, 'MissingKey', 'unsigned'],
  ];
  for (const [name, config, url, at, expected, check] of cases) {
    const outcome = verifyCloudFront(config, { method: 'GET', url, headers: { host } }, new FixedClock(at).nowMs());
    const got = outcome.ok ? 'accepted' : outcome.refusal.code;
    const gotCheck = outcome.ok ? undefined : outcome.refusal.check;
    const ok = got === expected && (check === undefined || check === gotCheck);
    test.check(name, ok, `${ok ? '' : `expected ${expected}${check ? ' (' + check + ')' : ''}, `}got ${got}${gotCheck ? ' (' + gotCheck + ')' : ''}`
      + `${ok || outcome.ok ? '' : ': ' + outcome.refusal.message}`);
  }
  const head = verifyCloudFront(rsaConfig, { method: 'HEAD', url: target(rsaUrl), headers: { host } }, now);
  test.check('the same URL used for HEAD', head.ok, head.ok ? 'got accepted' : head.refusal.message);
  test.finish();
}

// ---- main ---------------------------------------------------------------------------------------------------

const USAGE = 'usage: cloudfront-front.mjs --port P --control-port C --backend URL --public-key PEM --key-pair-id ID '
  + '[--resource-base URL] [--now-offset-seconds N] | --self-test';
const args = parseArgs(process.argv.slice(2), ['selfTest']);
if (args.selfTest) {
  await selfTest();
} else {
  requireArgs(args, ['port', 'controlPort', 'backend', 'publicKey', 'keyPairId'], USAGE);
  const publicKey = createPublicKey(readFileSync(args.publicKey));
  if (publicKey.asymmetricKeyType !== 'rsa' && publicKey.asymmetricKeyType !== 'ec') {
    process.stderr.write(`cloudfront-front: ${args.publicKey} is a ${publicKey.asymmetricKeyType} key; CloudFront takes RSA or EC P-256\n`);
    process.exit(2);
  }
  const config = { keyPairId: args.keyPairId, publicKey, resourceBase: args.resourceBase?.replace(/\/+$/, '') };
  serveFront({
    name: 'cloudfront-front',
    port: Number(args.port),
    controlPort: Number(args.controlPort),
    backend: args.backend,
    clock: new Clock(Number(args.nowOffsetSeconds ?? 0)),
    verify: async (req, clock) => verifyCloudFront(config, req, clock.nowMs()),
  });
}
