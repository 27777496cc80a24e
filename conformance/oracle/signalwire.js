// SignalWire's official validator, @signalwire/compatibility-api
// (lib/webhooks/webhooks.js), as the oracle for carrier/signalwire. The
// validators are the package's public RestClient.validateRequest and
// RestClient.validateRequestWithBody; the signer, getExpectedTwilioSignature,
// is not exported by the package's entry point, so it is loaded from the
// package's lib/webhooks/webhooks.js, the source its bundle is built from.
//
// A form body arrives as base64 and is parsed with Node's querystring, the
// parser of express.urlencoded({extended: false}): a repeated name becomes
// an array of its values in the order they were sent, which is what the
// SDK's validateRequest expects.
'use strict';
const querystring = require('querystring');
const path = require('path');
const { RestClient } = require('@signalwire/compatibility-api');
const { getExpectedTwilioSignature } = require(path.join(
  __dirname, 'node_modules', '@signalwire', 'compatibility-api', 'lib', 'webhooks', 'webhooks.js'));

function body(req) {
  return Buffer.from(req.body || '', 'base64');
}

function params(req) {
  if (req.method !== 'POST' || !req.form) return {};
  return querystring.parse(body(req).toString('utf8'));
}

// sign: the signature getExpectedTwilioSignature computes for req.url and
// the request's parameters (null for a JSON body, whose URL carries
// bodySHA256).
exports.sign = (req) => getExpectedTwilioSignature(req.key, req.url, req.json ? null : params(req));

// validate: the verdict for a request to req.url with the signature
// req.signature. As the SDK's validateExpressRequest does, a URL holding
// bodySHA256 is checked with validateRequestWithBody (the URL alone, then
// the body's hash), any other with validateRequest and the parameters.
// validateRequestWithBody throws when the query has no bodySHA256 value:
// that is a refusal.
exports.validate = (req) => {
  if (req.url.indexOf('bodySHA256') > 0) {
    try {
      return RestClient.validateRequestWithBody(req.key, req.signature, req.url, body(req));
    } catch (e) {
      return false;
    }
  }
  return RestClient.validateRequest(req.key, req.signature, req.url, params(req), true);
};

// params: the parameters as the SDK receives them, for diagnostics.
exports.params = (req) => params(req);
