// echo answers with its request: the harness's own self-check.
'use strict';
exports.echo = (req) => req.value;
