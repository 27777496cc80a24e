// Plivo's official Node SDK (the npm package plivo) as an oracle: validate
// answers what its V3 webhook validator says of one request.
'use strict';
const qs = require('querystring');
const { validateV3Signature } = require('plivo/dist/utils/v3Security.js');

// validate: {method, uri, nonce, token, signature} and either params (an
// object, name to value) or body (a raw application/x-www-form-urlencoded
// body, read as Node's querystring reads it, as express.urlencoded does
// with extended: false). Returns true or false.
exports.validate = (req) => {
  let params = {};
  if (req.params) {
    params = Object.assign({}, req.params);
  } else if (req.body) {
    params = Object.assign({}, qs.parse(req.body));
  }
  return validateV3Signature(req.method, req.uri, req.nonce, req.token, req.signature, params);
};
