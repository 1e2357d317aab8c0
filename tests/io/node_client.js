// Node's built-in http2 client against h2serve (run by node_test.py, which asserts).
// Usage: node node_client.js URL (http: or https:; over TLS any certificate is
// accepted: the tests' certificates are self-signed)
// Over one session: GET /x, whose pushes arrive through the session's 'stream'
// event as in the push example, then GET /hello. Prints what it saw as JSON,
// with the session's protocol (alpn: 'h2' over TLS, 'h2c' in cleartext).
'use strict';
const http2 = require('http2');

const session = http2.connect(process.argv[2], { rejectUnauthorized: false });
const seen = { pushes: [], responses: {}, errors: [] };

function fail(where, err) {
  seen.errors.push(`${where}: ${err && err.message ? err.message : err}`);
}

// Everything below is bounded: a silent server must not hang the test.
const timer = setTimeout(() => {
  fail('timeout', 'no complete exchange within 10 s');
  finish();
}, 10000);

function finish() {
  clearTimeout(timer);
  seen.alpn = session.alpnProtocol;
  process.stdout.write(JSON.stringify(seen) + '\n');
  session.close();
  session.destroy();
}

session.on('error', (err) => fail('session', err));

// A promised stream: the request headers it stands for, then its response.
session.on('stream', (stream, requestHeaders) => {
  const push = { path: requestHeaders[':path'], method: requestHeaders[':method'], id: stream.id, body: '' };
  seen.pushes.push(push);
  stream.on('push', (headers) => { push.status = headers[':status']; push.type = headers['content-type']; });
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => { push.body += chunk; });
  stream.on('end', () => { push.ended = true; });
  stream.on('error', (err) => fail(`push ${push.path}`, err));
});

function get(path) {
  return new Promise((resolve) => {
    const req = session.request({ ':path': path });
    const res = { body: '' };
    seen.responses[path] = res;
    req.on('response', (headers) => { res.status = headers[':status']; res.length = headers['content-length']; });
    req.setEncoding('utf8');
    req.on('data', (chunk) => { res.body += chunk; });
    req.on('end', () => { res.id = req.id; resolve(); });
    req.on('error', (err) => { fail(`GET ${path}`, err); resolve(); });
    req.end();
  });
}

// Pushed streams may end after the response that promised them: wait for both.
function pushesDone() {
  return new Promise((resolve) => {
    const check = () => {
      if (seen.pushes.length >= 2 && seen.pushes.every((p) => p.ended)) return resolve();
      setTimeout(check, 10);
    };
    check();
  });
}

get('/x')
  .then(pushesDone)
  .then(() => get('/hello'))
  .then(finish);
