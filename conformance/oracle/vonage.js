// Vonage's signed webhooks. Vonage publishes no verifier for payload_hash,
// so this module gives the two references the conformance tests use:
//
//   - verifyToken: the token part, with the official @vonage/jwt 1.17.1
//     verifySignature (jsonwebtoken's verify, HS256 or RS256, exp and nbf
//     against Date.now). Date.now is set to the request's fixed clock (now,
//     Unix seconds) for the call, so the tests do not depend on the date.
//   - queryPayload: the payload of a GET as Vonage API Support's article
//     "How do I verify that the Voice API Webhook request and its payload has
//     not been tampered during transit?" states it: an object of the query
//     parameters in the order they were sent, turned into a JSON string with
//     no whitespace, hashed with SHA-256. The object is built from the
//     WHATWG URLSearchParams of the query and written by JSON.stringify.
'use strict';
const { createHash } = require('crypto');
const { verifySignature } = require('@vonage/jwt');

// verifyToken: {token, secret, now} → true or false.
exports.verifyToken = (req) => {
  const realNow = Date.now;
  Date.now = () => req.now * 1000;
  try {
    return verifySignature(req.token, req.secret);
  } finally {
    Date.now = realNow;
  }
};

// queryPayload: {query} → {json, sha256, repeated}. repeated says the query
// sends a name more than once: an object keeps one value for it, so the
// rule does not define that case.
exports.queryPayload = (req) => {
  const params = new URLSearchParams(req.query);
  const names = [...params.keys()];
  const json = JSON.stringify(Object.fromEntries(params));
  return {
    json,
    sha256: createHash('sha256').update(json, 'utf8').digest('hex'),
    repeated: new Set(names).size !== names.length,
  };
};
