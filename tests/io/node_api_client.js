// Node's built-in http2 client for node_api_test.py, which asserts; prints what it saw as JSON.
// Usage: node node_api_client.js MODE URL [ARG]; over TLS any certificate is accepted (the tests' are self-signed).
//   ping URL           GET /ping: the status and body (the server's ping round trip, measured by the server)
//   origin URL         the ORIGIN frame's origins (the session's 'origin' event), after a GET /
//   timeout URL        GET /, then idle: when the server's GOAWAY comes, in ms after the response
//   peer URL [CERT KEY]  GET /peer, with the client certificate CERT and its key KEY (PEM files) if given
//   hints URL PATH [push]  GET PATH with SETTINGS_ENABLE_PUSH = 0 (1 with "push"): its 1xx heads ('headers'
//                      events), the final status and body, and the paths pushed
'use strict';
const http2 = require('http2');

const [mode, url, arg, push] = process.argv.slice(2);
const fs = require('fs');
const options = { rejectUnauthorized: false, settings: { enablePush: push === 'push' } };
if (mode === 'peer' && arg) Object.assign(options, { cert: fs.readFileSync(arg), key: fs.readFileSync(push) });
const session = http2.connect(url, options);
const seen = { errors: [], origins: [], informational: [], pushes: [] };

// Everything is bounded: a silent server must not hang the test.
const timer = setTimeout(() => { seen.errors.push('timeout: nothing complete within 10 s'); finish(); }, 10000);

function finish() {
  clearTimeout(timer);
  process.stdout.write(JSON.stringify(seen) + '\n');
  session.destroy();
}

session.on('error', (err) => seen.errors.push(`session: ${err.message}`));
session.on('origin', (origins) => { seen.origins.push(...origins); });
session.on('stream', (stream, headers) => {
  seen.pushes.push(headers[':path']);
  stream.on('error', () => {}); // a push still in flight when the session goes
  stream.resume();
});

function get(path) {
  return new Promise((resolve) => {
    const req = session.request({ ':path': path });
    let body = '';
    req.on('headers', (headers) => seen.informational.push(headers));
    req.on('response', (headers) => { seen.status = headers[':status']; });
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { seen.body = body; resolve(); });
    req.on('error', (err) => { seen.errors.push(`GET ${path}: ${err.message}`); resolve(); });
    req.end();
  });
}

if (mode === 'ping') {
  get('/ping').then(finish);
} else if (mode === 'origin') {
  // ORIGIN follows the server's SETTINGS, before any response.
  get('/').then(finish);
} else if (mode === 'timeout') {
  get('/').then(() => {
    const start = process.hrtime.bigint();
    session.on('goaway', () => {
      seen.goaway_after_ms = Number(process.hrtime.bigint() - start) / 1e6;
      finish();
    });
  });
} else if (mode === 'peer') {
  get('/peer').then(finish);
} else if (mode === 'hints') {
  get(arg).then(finish);
} else {
  seen.errors.push(`unknown mode ${mode}`);
  finish();
}
