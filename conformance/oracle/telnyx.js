// Telnyx's webhook signature check, as the official Node SDK does it:
// telnyx 7.24.0, lib/webhooks.js, TelnyxWebhook.verify (what
// client.webhooks.unwrap calls): Ed25519 over timestamp + "|" + payload with
// the account's base64 public key, and the timestamp within 300 seconds of
// Date.now().
//
// verify is async (WebCrypto) while the oracle answers synchronously, so the
// SDK runs in a worker thread and verify() below waits for its answer on a
// shared-memory flag. The SDK reads the real clock; the worker replaces
// Date.now with the request's fixed clock (now, Unix seconds) for the
// duration of the call, so the tests do not depend on today's date.
'use strict';
const { Worker, MessageChannel, receiveMessageOnPort } = require('worker_threads');

const workerCode = `
'use strict';
const { workerData } = require('worker_threads');
const { TelnyxWebhook } = require(workerData.sdk);
const { port, flag } = workerData;
port.on('message', async (req) => {
  let answer;
  const realNow = Date.now;
  Date.now = () => req.now * 1000;
  try {
    const headers = {};
    if (req.signature !== undefined) headers['telnyx-signature-ed25519'] = req.signature;
    if (req.timestamp !== undefined) headers['telnyx-timestamp'] = req.timestamp;
    // An Express handler's req.body.toString() of the raw bytes, as in the
    // SDK's own example.
    const payload = Buffer.from(req.body, 'base64').toString('utf8');
    await new TelnyxWebhook(req.publicKey).verify(payload, headers);
    answer = { valid: true };
  } catch (e) {
    answer = { valid: false, reason: String(e && e.message ? e.message : e) };
  } finally {
    Date.now = realNow;
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let state;
function worker() {
  if (state) return state;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(workerCode, {
    eval: true,
    workerData: { sdk: require.resolve('telnyx/lib/webhooks'), port: port2, flag },
    transferList: [port2],
  });
  w.unref();
  port1.unref();
  state = { flag, port: port1 };
  return state;
}

// verify: {publicKey, signature?, timestamp?, body (base64), now (Unix s)}
// → {valid, reason?}.
exports.verify = (req) => {
  const { flag, port } = worker();
  Atomics.store(flag, 0, 0);
  port.postMessage({
    publicKey: req.publicKey, signature: req.signature, timestamp: req.timestamp,
    body: req.body, now: req.now,
  });
  if (Atomics.wait(flag, 0, 0, 30000) === 'timed-out') throw new Error('the Telnyx worker did not answer');
  // The flag is set right after the answer is posted, but a message
  // crosses threads on its own schedule: wait for it, a millisecond at a
  // time, for up to 30 s.
  let m;
  for (let i = 0; i < 30000 && !(m = receiveMessageOnPort(port)); i++) Atomics.wait(flag, 0, 1, 1);
  if (!m) throw new Error('the Telnyx worker answered nothing');
  return m.message;
};
