#!/usr/bin/env node
// The reference CloudFront signer: prints the canned-policy signed URL that AWS's own library,
// @aws-sdk/cloudfront-signer's getSignedUrl, makes for the given inputs (one line, no other output), so that a test
// can compare another signer's URL with it byte for byte (RSA PKCS#1 v1.5 signatures are deterministic).
//
//   node cloudfront-sign.mjs --url URL --key-pair-id ID --private-key key.pem --date-less-than EPOCH_SECONDS|ISO8601 \
//       [--hash-algorithm SHA256]
import { readFileSync } from 'node:fs';
import { parseArgs, requireArgs, toolsRequire } from './common.mjs';

const { getSignedUrl } = toolsRequire('@aws-sdk/cloudfront-signer');
const args = parseArgs(process.argv.slice(2));
requireArgs(args, ['url', 'keyPairId', 'privateKey', 'dateLessThan'],
  'usage: cloudfront-sign.mjs --url URL --key-pair-id ID --private-key PEM --date-less-than EPOCH|ISO [--hash-algorithm SHA256]');
const dateLessThan = /^\d+$/.test(args.dateLessThan) ? new Date(Number(args.dateLessThan) * 1000).toISOString() : args.dateLessThan;
process.stdout.write(getSignedUrl({
  url: args.url,
  keyPairId: args.keyPairId,
  privateKey: readFileSync(args.privateKey, 'utf8'),
  dateLessThan,
  algorithm: args.hashAlgorithm,
}) + '\n');
