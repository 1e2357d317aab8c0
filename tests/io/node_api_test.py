"""Node's http2 server API on the wire (tests/io/node_api_server.c, and h2serve's demo for 103), seen from Node's
http2 client (node_api_client.js) and python-h2:

- session.ping() without a payload: the server's PING carries 8 bytes of its own, and its callback gets Node's
  duration, a round trip in milliseconds with its fraction, and the payload echoed.
- the origins option: an ORIGIN frame with them on every HTTP/2 session over TLS ('origin' in Node), none in
  cleartext.
- server.setTimeout(ms, callback): the callback comes after each idle period, and the session stays open until
  it closes it (at its second call here), when the client gets GOAWAY.
- h2serve's demo page for a client that takes no pushes (SETTINGS_ENABLE_PUSH = 0, as browsers send): a 103 Early
  Hints with the preload links of its stylesheet and script, and a page that says so; pushes for one that takes
  them; neither over HTTP/1.0.
- requestCert, ca, rejectUnauthorized: a client certificate signed by the CA reaches the application's
  h2r_conn_info with its subject, authorized; without one, or with one the CA did not sign, the handshake
  fails; with rejectUnauthorized off, both are served, not authorized.

Usage: node_api_test.py PATH/TO/node_api_server PATH/TO/h2serve
"""

import json
import os
import socket
import sys
import time

from h2serve_fixture import H2Client, Server, need_tool, run

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_api_client.js")
ORIGINS = ["https://a.example", "https://b.example:8443"]


def node(t, node_path, *args):
    """node_api_client.js with args: what it saw, with no error."""
    result = t.client([node_path, CLIENT, *args], timeout=30)
    try:
        seen = json.loads(result.stdout.decode())
    except ValueError:
        seen = {"errors": [f"no JSON: {result.stdout!r} {result.stderr!r}"]}
    t.eq((result.returncode, seen.get("errors")), (0, []), f"node_api_client.js {args[0]}: exits 0, no errors")
    return seen


def check_ping(t, node_path, server):
    seen = node(t, node_path, "ping", server.url)
    err, duration, payload = (seen.get("body") or "? ? ?").split()
    t.eq((seen.get("status"), err), (200, "0"), "GET /ping: answered from the ping's callback, without error")
    t.ok(0 < float(duration) < 1000 and float(duration) != int(float(duration)),
         f"the callback's duration is a round trip in ms, with its fraction: {duration}")
    t.ok(len(payload) == 16 and bytes.fromhex(payload).startswith(b"h2rp"),
         f"the echoed payload is the 8 bytes the session chose: {payload}")

    tls = server.scheme == "https"
    client = H2Client(server.port, tls=tls, server_name="localhost" if tls else None)
    response = client.get("/ping")
    t.eq(len(client.pings), 1, "python-h2 receives one PING")
    t.ok(response and client.pings and response["body"].decode().split()[2] == client.pings[0].hex(),
         "an 8-byte PING payload, the one the callback got back")
    client.close()


def check_origins(t, node_path, server, tls):
    if tls:
        seen = node(t, node_path, "origin", server.url)
        t.eq(seen.get("origins"), ORIGINS, "over TLS, Node's 'origin' event brings the server's origins")
    client = H2Client(server.port, tls=tls, server_name="localhost" if tls else None)
    client.get("/")
    t.eq(client.extension_frames.count(0xC), 1 if tls else 0,
         f"python-h2: {'one ORIGIN frame over TLS' if tls else 'no ORIGIN frame in cleartext'}")
    client.close()


def check_timeout(t, node_path, server):
    seen = node(t, node_path, "timeout", server.url)
    after = seen.get("goaway_after_ms") or 0
    # 300 ms periods, looked at every 100 ms tick: the second call comes 600 to 800 ms after the response.
    t.ok(550 <= after <= 2000, f"GOAWAY comes at the callback's second call, not the first: {after:.0f} ms")
    deadline = time.monotonic() + 5
    while server.stdout_lines[1:3] != ["timeout 1", "timeout 2"] and time.monotonic() < deadline:
        time.sleep(0.05)
    t.eq(server.stdout_lines[1:3], ["timeout 1", "timeout 2"], "the server's on_timeout was called twice")


def check_early_hints(t, node_path, server):
    links = "</style.css>; rel=preload; as=style, </app.js>; rel=preload; as=script"
    seen = node(t, node_path, "hints", server.url, "/")
    t.eq([(h.get(":status"), h.get("link")) for h in seen.get("informational", [])], [(103, links)],
         "no push taken: a 103 with the stylesheet's and the script's preload links")
    t.eq((seen.get("status"), seen.get("pushes")), (200, []), "then the page, 200, and no push")
    t.ok("announced by a 103 Early Hints response" in seen.get("body", ""), "the page says it came with a 103")

    seen = node(t, node_path, "hints", server.url, "/", "push")
    t.eq((seen.get("informational"), sorted(seen.get("pushes", []))), ([], ["/app.js", "/style.css"]),
         "pushes taken: both pushed, no 103")
    t.ok("of this page were pushed." in seen.get("body", ""), "the page says they were pushed")

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    t.ok(data.startswith(b"HTTP/1.1 200") and b" 103" not in data.split(b"\r\n")[0] and
         b"HTTP/1.0 has no push and no 103" in data, "HTTP/1.0: neither, and the page says so")


def signed_certificate(t, ca, ca_key, subject):
    """A client certificate (EC P-256, X.509 v3) for subject, signed by ca: (cert, key) paths."""
    openssl = need_tool("openssl")
    d = t.tmpdir()
    key, csr, cert, ext = (os.path.join(d, "client." + e) for e in ("key", "csr", "pem", "ext"))
    with open(ext, "w", encoding="ascii") as f:
        f.write("basicConstraints=CA:FALSE\n")
    made = t.client([openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", key, "-out", csr, "-subj", subject], timeout=30)
    signed = t.client([openssl, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
                       "-days", "2", "-extfile", ext, "-out", cert], timeout=30)
    t.require(made.returncode == 0 and signed.returncode == 0, f"openssl makes a client certificate for {subject}",
              (made.stderr + signed.stderr).decode("latin-1"))
    return cert, key


def check_client_certificates(t, node_path, cert, key):
    ca, ca_key = t.certificate("Test CA", "DNS:ca.invalid")
    alice = signed_certificate(t, ca, ca_key, "/O=h2ring tests/CN=alice")
    mallory = t.certificate("mallory", "DNS:mallory.invalid")  # self-signed: no CA of the server's vouches for it

    strict = t.server("--cert", cert, "--key", key, "--client-ca", ca)
    seen = node(t, node_path, "peer", strict.url, *alice)
    t.eq((seen.get("status"), seen.get("body")), (200, "1 /O=h2ring tests/CN=alice"),
         "requestCert: the CA's client certificate is verified, its subject in h2r_conn_info")
    for label, args in (("no client certificate", ()), ("a certificate the CA did not sign", mallory)):
        result = t.client([node_path, CLIENT, "peer", strict.url, *args], timeout=30)
        seen = json.loads(result.stdout.decode() or "{}")
        t.ok(seen.get("errors") and "status" not in seen, f"rejectUnauthorized: {label} fails the handshake",
             str(seen.get("errors")))
    strict.check()

    lax = t.server("--cert", cert, "--key", key, "--client-ca", ca, "--no-reject")
    for label, args, want in (("the CA's certificate", alice, "1 /O=h2ring tests/CN=alice"),
                              ("no certificate", (), "0 -"), ("a certificate the CA did not sign", mallory,
                                                             "0 /CN=mallory")):
        seen = node(t, node_path, "peer", lax.url, *args)
        t.eq((seen.get("status"), seen.get("body")), (200, want),
             f"rejectUnauthorized off: {label} is served, authorized only if verified")
    lax.check()


def main(t, node_path):
    plain = t.server("--origin", ORIGINS[0], "--origin", ORIGINS[1])
    check_ping(t, node_path, plain)
    check_origins(t, node_path, plain, tls=False)
    plain.check()

    cert, key = t.certificate()
    secure = t.server("--cert", cert, "--key", key, "--origin", ORIGINS[0], "--origin", ORIGINS[1])
    check_origins(t, node_path, secure, tls=True)
    check_ping(t, node_path, secure)
    secure.check()
    check_client_certificates(t, node_path, cert, key)

    idle = t.server("--idle-timeout", "300")
    check_timeout(t, node_path, idle)
    idle.check()

    h2serve = Server(t, sys.argv[2], [], 15)
    check_early_hints(t, node_path, h2serve)
    h2serve.check()


if __name__ == "__main__":
    NODE = need_tool("node")
    run(lambda t: main(t, NODE), timeout=60)
