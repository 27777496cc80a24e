// The oracle: a long-running process that answers, one JSON line for one
// JSON line, what the carriers' official Node SDKs compute. A request names
// the carrier (a module beside this file) and the operation (a function it
// exports); the answer is {"ok": <result>} or {"error": "<message>"}.
'use strict';
const readline = require('readline');

const carriers = {};
function carrier(name) {
  if (!/^[a-z]+$/.test(name)) throw new Error('bad carrier name ' + JSON.stringify(name));
  if (!carriers[name]) carriers[name] = require('./' + name + '.js');
  return carriers[name];
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let answer;
  try {
    const req = JSON.parse(line);
    const op = carrier(req.carrier)[req.op];
    if (typeof op !== 'function') throw new Error('unknown op ' + req.carrier + '.' + req.op);
    answer = { ok: op(req) };
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
