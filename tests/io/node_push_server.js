// The seed's push example (shared/reference/push-example.zh.md) as a Node http2 server, for h2get_test.py:
// GET /x is answered "Server X Response" with pushes of /y ("Server Y Response") and /z ("Server Z Response").
// Listens on 127.0.0.1 with a free port, in cleartext, or over TLS with the certificate and key files given
// (node node_push_server.js [CERT KEY]); prints the port, and runs until killed.
"use strict";
const fs = require("fs");
const http2 = require("http2");

const [cert, key] = process.argv.slice(2);
const server = cert ? http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) })
                    : http2.createServer();
server.on("stream", (stream, headers) => {
  if (headers[":path"] !== "/x") {
    stream.respond({ ":status": 404 });
    stream.end();
    return;
  }
  for (const [path, body] of [["/y", "Server Y Response"], ["/z", "Server Z Response"]]) {
    stream.pushStream({ ":path": path }, (err, push) => {
      if (err) return; // a client that disabled push
      push.respond({ ":status": 200, "content-type": "text/plain" });
      push.end(body);
    });
  }
  stream.respond({ ":status": 200, "content-type": "text/plain" });
  stream.end("Server X Response");
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
