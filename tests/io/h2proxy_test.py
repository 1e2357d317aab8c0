"""h2proxy (apps/h2proxy) between real clients and real upstreams on loopback:

- h2serve in cleartext (h2c): curl's GET with via on the response and the access log's line; a 24 MiB file down
  and 16 MiB up (/sha256, /echo) with matching sha256, over HTTP/2 and HTTP/1.1 clients; h2serve's 103 Early Hints
  passed through; h2load's 2,000 requests; h2get through it; a client that reads nothing holds the upstream (the
  proxy's memory stays put);
- h2serve over TLS on both sides (the upstream's certificate checked with --upstream-cacert): the file down, an
  upload up, by sha256;
- Python's http.server (HTTP/1.1 only, --upstream-http1): the request it got (forwarded for/proto/host, via,
  no hop-by-hop fields), a file;
- nghttpd: a file through nghttp;
- a python-h2 upstream answering as gRPC does: te: trailers goes, grpc-status comes back in trailers; Python's gRPC
  (python3-grpcio) server and client: unary, server-streaming and bidirectional calls, a failing one;
- CONNECT (--connect-allow): over HTTP/2 (python-h2) to a TCP echo server, 3 MiB both ways, the client's end
  and reset closing the target's connection, a target not allowed (403); over HTTP/1.1 (curl --proxytunnel) to
  h2serve;
- WebSocket over HTTP/2 (RFC 8441, python-h2) bridged to an HTTP/1.1 WebSocket echo server (by hand, RFC 6455):
  the Upgrade handshake, text, binary, ping/pong, close; another :protocol (501);
- faults: a refused upstream (502, a line on stderr), a refused one before a good one (skipped, every request
  answered 200), an upstream that says nothing (504 after --timeout 1), one that dies mid-response (curl fails,
  no hang), a client that resets its upload (the upstream's connection is cut before the body's end);
- SIGTERM: every h2proxy exits 0, no sanitizer report.
"""

import base64
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time

from client_test import holding_server
from h2serve_fixture import (H2Client, Server, free_port, need_python_h2, need_tool, python_server, run,
                             thread_server, wait_listening, write_random_file)

H2SERVE = H2GET = None  # from the command line, after h2proxy


class Proxy(Server):
    """h2proxy on 127.0.0.1, a free port."""
    LISTEN_ARGS = ("--listen", "127.0.0.1:0")


def proxy(t, *args):
    return Proxy(t, t.binary, ["--workers", "1", *args], 15)


def upstream(t, *args):
    return Server(t, H2SERVE, ["--workers", "1", *args], 15)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def curl_sha(t, url, *args, http1=False):
    """curl's body, streamed, by sha256: (exit status, size, digest, stderr) or None."""
    tls = url.startswith("https:")
    flag = "--http1.1" if http1 else "--http2" if tls else "--http2-prior-knowledge"
    return t.stream_download([need_tool("curl"), "-sS", "-k", flag, "--max-time", "60", *args, url], 90)


def h2c_checks(t, data_dir):
    root = os.path.join(data_dir, "root")
    os.makedirs(root)
    write_random_file(os.path.join(root, "big.bin"), 24)
    os.link(os.path.join(root, "big.bin"), os.path.join(data_dir, "big.bin"))
    files = upstream(t, "--root", root)
    demo = upstream(t)
    log = os.path.join(data_dir, "access.log")
    # h2serve serves files or the demo site (/sha256, /echo, 103 Early Hints): a proxy in front of each.
    p_files = proxy(t, "--upstream", f"http://127.0.0.1:{files.port}", "--access-log", log)
    p_demo = proxy(t, "--upstream", f"http://127.0.0.1:{demo.port}")
    got = t.curl(p_demo.url + "hello")
    t.ok(got and got[0] == 200 and got[1] == b"Hello, World!" and got[2].get("via") == "2 h2proxy",
         "h2c: GET /hello through the proxy: 200, the body, via: 2 h2proxy", got and got[2])
    got = t.curl(p_files.url + "missing", version="1.1")
    t.ok(got and got[0] == 404 and got[2].get("via") == "2 h2proxy", "HTTP/1.1 client: the upstream's 404")
    with open(log, encoding="utf-8") as f:
        lines = f.read().splitlines()
    t.ok(lines and lines[-1].endswith('"GET /missing HTTP/1.1" 404 10') and lines[-1].startswith("127.0.0.1:"),
         "the access log's line: the client, the request, the status and the body's length", lines)
    for http1 in (False, True):
        r = curl_sha(t, p_files.url + "big.bin", http1=http1)
        t.ok(r and r[0] == 0 and r[2] == sha256_file(os.path.join(root, "big.bin")),
             f"h2c, {'HTTP/1.1' if http1 else 'HTTP/2'} client: 24 MiB down, same sha256", r and r[3])
    upload_checks(t, p_demo.url, data_dir, "h2c")
    # 103 Early Hints: the proxy takes no pushes, so h2serve's / announces its preloads.
    got = t.client([need_tool("curl"), "-sS", "-i", "--http2-prior-knowledge", p_demo.url], timeout=30)
    out = got.stdout.decode("latin-1")
    t.ok(got.returncode == 0 and "HTTP/2 103" in out and "rel=preload" in out and "HTTP/2 200" in out,
         "h2serve's 103 Early Hints (with its preload links) come through before the 200", out[:600])
    h2load = t.client([need_tool("h2load"), "-n", "2000", "-c", "10", "-m", "10", p_demo.url + "hello"], timeout=60)
    out = h2load.stdout.decode("latin-1")
    t.ok(h2load.returncode == 0 and "2000 succeeded, 0 failed" in out and "status codes: 2000 2xx" in out,
         "h2load: 2,000 requests on 10 connections through the proxy, all 2xx", out[-800:])
    got = t.client([H2GET, p_demo.url + "hello", p_demo.url + "x"], timeout=30)
    t.eq((got.returncode, got.stdout), (0, b"Hello, World!Server X Response"), "h2get: two requests on one "
         "connection through the proxy")
    slow_client_check(t, files.port)
    for server in (p_files, p_demo, files, demo):
        server.check()


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def slow_client_check(t, files_port):
    """A client that reads nothing holds the upstream: the proxy does not take the 24 MiB in meanwhile."""
    p = proxy(t, "--upstream", f"http://127.0.0.1:{files_port}")
    client = H2Client(p.port)
    client.get("/missing")  # the upstream connection made, the proxy warm
    before = rss_kib(p.pid)
    client.acknowledge = False
    sid = client.request("/big.bin")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        client.receive(0.1)
    grown = rss_kib(p.pid) - before
    t.ok(len(client.streams[sid]["body"]) < 1 << 20 and grown < 8 << 10,
         "a client that reads nothing: the proxy holds a window's worth, not the file (RSS grew < 8 MiB)",
         f"{len(client.streams[sid]['body'])} bytes read, RSS +{grown} KiB")
    client.close()
    p.check()


def trailers_server():
    """A python-h2 upstream answering every request as gRPC does: a body, then grpc-status and grpc-message in
    trailers. Returns the listening socket."""
    import h2.config
    import h2.connection
    import h2.events

    def serve(sock):
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        while data := sock.recv(65536):
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    te = dict(event.headers).get(b"te")
                    conn.send_headers(event.stream_id, [(":status", "200"), ("content-type", "application/grpc"),
                                                        ("x-te", (te or b"-").decode())])
                    conn.send_data(event.stream_id, b"\0\0\0\0\5hello")
                    conn.send_headers(event.stream_id, [("grpc-status", "0"), ("grpc-message", "fine")],
                                      end_stream=True)
            sock.sendall(conn.data_to_send())
        sock.close()

    return thread_server(serve)


def trailers_check(t):
    h2 = need_python_h2()
    listener = trailers_server()
    p = proxy(t, "--upstream", f"http://127.0.0.1:{listener.getsockname()[1]}")
    client = H2Client(p.port)
    sid = client.conn.get_next_available_stream_id()
    client.conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":authority", "127.0.0.1"),
                                   (":path", "/svc/Call"), ("content-type", "application/grpc"), ("te", "trailers")],
                             end_stream=True)
    client.flush()
    got = {"headers": None, "body": b"", "trailers": None, "ended": False}
    deadline = time.monotonic() + 10
    while not got["ended"] and time.monotonic() < deadline:
        client.sock.settimeout(max(0.01, deadline - time.monotonic()))
        data = client.sock.recv(65536)
        if not data:
            break
        for event in client.conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                got["headers"] = dict(event.headers)
            elif isinstance(event, h2.events.DataReceived):
                got["body"] += event.data
            elif isinstance(event, h2.events.TrailersReceived):
                got["trailers"] = dict(event.headers)
            elif isinstance(event, h2.events.StreamEnded):
                got["ended"] = True
        client.flush()
    t.ok(got["ended"] and got["headers"] and got["headers"].get("x-te") == "trailers" and
         got["body"] == b"\0\0\0\0\5hello" and got["trailers"] == {"grpc-status": "0", "grpc-message": "fine"},
         "gRPC-like: te: trailers reaches the upstream, the body and the trailers (grpc-status) come back", got)
    client.close()
    p.check()
    listener.close()


def upload_checks(t, base, data_dir, label):
    upload = os.path.join(data_dir, "upload.bin")
    if not os.path.exists(upload):
        write_random_file(upload, 16)
    want = sha256_file(upload)
    for version in ("2", "1.1"):
        flag = "--http1.1" if version == "1.1" else "--http2" if base.startswith("https") else \
            "--http2-prior-knowledge"
        got = t.client([need_tool("curl"), "-sS", "-k", flag, "--data-binary", "@" + upload, base + "sha256"],
                       timeout=60)
        t.eq(got.stdout.decode().strip(), want, f"{label}, HTTP/{version} client: 16 MiB up, the upstream's sha256")
        r = t.stream_download([need_tool("curl"), "-sS", "-k", flag, "--data-binary", "@" + upload, base + "echo"], 60)
        t.ok(r and r[0] == 0 and r[2] == want, f"{label}, HTTP/{version} client: 16 MiB up to /echo and back, "
             "same sha256", r and r[3])


def tls_checks(t, data_dir):
    cert, key = t.certificate("localhost", "DNS:localhost")
    root = os.path.join(data_dir, "root")
    files = upstream(t, "--root", root, "--cert", cert, "--key", key)
    demo = upstream(t, "--cert", cert, "--key", key)
    p_files = proxy(t, "--cert", cert, "--key", key, "--upstream", f"https://localhost:{files.port}",
                    "--upstream-cacert", cert)
    p_demo = proxy(t, "--cert", cert, "--key", key, "--upstream", f"https://localhost:{demo.port}",
                   "--upstream-cacert", cert)
    r = curl_sha(t, p_files.url + "big.bin")
    t.ok(r and r[0] == 0 and r[2] == sha256_file(os.path.join(root, "big.bin")),
         "TLS both sides: 24 MiB down, same sha256", r and r[3])
    upload_checks(t, p_demo.url, data_dir, "TLS both sides")
    # An upstream whose certificate the system's CAs do not vouch for: 502.
    p_untrusted = proxy(t, "--upstream", f"https://localhost:{demo.port}")
    got = t.curl(p_untrusted.url + "hello")
    t.ok(got and got[0] == 502, "TLS upstream with a certificate nobody vouches for: 502")
    p_untrusted.check()
    t.ok("certificate" in p_untrusted.stderr(), "... and a line on stderr saying why", p_untrusted.stderr())
    for server in (p_files, p_demo, files, demo):
        server.check()


class EchoHeaders(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1: /headers answers the request's header fields as JSON; /cut promises 1 MB and sends 1000 bytes
    before closing; POST /count reads the body, and records how much came before the connection ended."""
    protocol_version = "HTTP/1.1"
    uploads = []

    def do_GET(self):
        if self.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.close_connection = True
            return
        body = json.dumps([[k.lower(), v] for k, v in self.headers.items()]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        want = int(self.headers.get("Content-Length", "0"))
        got = 0
        while got < want:
            chunk = self.rfile.read1(min(65536, want - got))
            if not chunk:
                break
            got += len(chunk)
        EchoHeaders.uploads.append((want, got))
        self.close_connection = True

    def log_message(self, *args):
        pass


def http1_checks(t, data_dir):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHeaders)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    files = python_server(os.path.join(data_dir, "root"), socket.AF_INET, "127.0.0.1")
    p = proxy(t, "--upstream-http1", f"http://127.0.0.1:{server.server_address[1]}")
    got = t.client([need_tool("curl"), "-sS", "--http2-prior-knowledge", "-H", "x-test: 1",
                    p.url + "headers"], timeout=30)
    fields = dict(json.loads(got.stdout)) if got.returncode == 0 else {}
    t.ok(fields.get("forwarded", "").startswith('for="127.0.0.1:') and ";proto=http" in fields.get("forwarded", "")
         and f';host="127.0.0.1:{p.port}"' in fields.get("forwarded", ""),
         "HTTP/1.1 upstream: forwarded names the client, the protocol and the host it asked for", fields)
    t.ok(fields.get("via") == "2 h2proxy" and fields.get("x-test") == "1" and
         fields.get("host") == f"127.0.0.1:{server.server_address[1]}",
         "... via: 2 h2proxy, the client's own fields, the upstream's host", fields)
    # Dies mid-response: the client sees the body cut (curl fails), in time.
    r = curl_sha(t, p.url + "cut")
    t.ok(r and r[0] == 92 and "INTERNAL_ERROR" in r[3] and r[1] <= 1000,
         "an upstream that dies mid-response: the client's stream is reset (INTERNAL_ERROR), no hang",
         r and (r[0], r[1], r[3]))
    # A client that resets its upload: the upstream's request is cancelled (its connection cut short).
    need_python_h2()
    client = H2Client(p.port)
    sid = client.conn.get_next_available_stream_id()
    client.conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":authority", "127.0.0.1"),
                                   (":path", "/count"), ("content-length", "10000000")])
    client.send_data(sid, b"u" * 16384)
    client.streams[sid] = {"headers": {}, "body": b"", "done": False, "reset": False}
    deadline = time.monotonic() + 10
    while not EchoHeaders.uploads and time.monotonic() < deadline:
        client.receive(0.1)
        if client.conn.local_flow_control_window(sid) > 0:
            client.send_data(sid, b"u" * 16384)
        if time.monotonic() > deadline - 9:
            client.reset(sid)
            break
    deadline = time.monotonic() + 10
    while not EchoHeaders.uploads and time.monotonic() < deadline:
        time.sleep(0.05)
    t.ok(EchoHeaders.uploads and EchoHeaders.uploads[0][0] == 10000000 and 0 < EchoHeaders.uploads[0][1] < 10000000,
         "a client that resets its upload: the upstream's request ends short of its body", EchoHeaders.uploads)
    client.close()
    p.check()
    # Python's file server: a file by sha256.
    p_files = proxy(t, "--upstream-http1", f"http://127.0.0.1:{files.server_address[1]}")
    r = curl_sha(t, p_files.url + "big.bin")
    t.ok(r and r[0] == 0 and r[2] == sha256_file(os.path.join(data_dir, "big.bin")),
         "Python's http.server (HTTP/1.1 upstream): 24 MiB down, same sha256", r and r[3])
    p_files.check()
    server.shutdown()
    files.shutdown()


def nghttpd_checks(t, data_dir):
    nghttpd = need_tool("nghttpd")
    port = free_port()
    t.spawn([nghttpd, "--no-tls", "-d", os.path.join(data_dir, "root"), "-a", "127.0.0.1", str(port)])
    t.require(wait_listening(port), "nghttpd listens")
    p = proxy(t, "--upstream", f"http://127.0.0.1:{port}")
    got = t.client([need_tool("nghttp"), "-d", "/dev/null", p.url + "big.bin"], timeout=60)
    digest = hashlib.sha256(got.stdout).hexdigest()
    t.ok(got.returncode == 0 and digest == sha256_file(os.path.join(data_dir, "big.bin")),
         "nghttpd upstream, nghttp client: 24 MiB, same sha256", got.stderr[-500:])
    p.check()


def echo_server():
    """A TCP echo server in a thread: each connection's bytes back until its FIN, then its own. Returns the
    listening socket and the list of the connections' byte counts, one as each ends."""
    ended = []

    def serve(sock):
        count = 0
        try:
            while data := sock.recv(65536):
                sock.sendall(data)
                count += len(data)
        except OSError:
            pass
        ended.append(count)
        sock.close()

    return thread_server(serve), ended


def connect_stream(t, client, authority):
    """An HTTP/2 CONNECT to authority on client (H2Client): its stream id once the head came."""
    client.conn.config.validate_outbound_headers = False  # python-h2 4.1 wants a :path even for CONNECT
    sid = client.conn.get_next_available_stream_id()
    client.conn.send_headers(sid, [(":method", "CONNECT"), (":authority", authority)])
    client.flush()
    client.streams[sid] = {"headers": {}, "body": b"", "done": False, "reset": False}
    deadline = time.monotonic() + 10
    while not client.streams[sid]["headers"] and not client.streams[sid]["done"] and time.monotonic() < deadline:
        client.receive(0.1)
    return sid


def tunnel_checks(t):
    listener, ended = echo_server()
    echo = f"127.0.0.1:{listener.getsockname()[1]}"
    demo = upstream(t)
    p = proxy(t, "--upstream", f"http://127.0.0.1:{demo.port}", "--connect-allow",
              f"{echo},127.0.0.1:{demo.port}")
    need_python_h2()
    client = H2Client(p.port)
    sid = connect_stream(t, client, echo)
    t.eq(client.streams[sid]["headers"].get(":status"), "200", "HTTP/2 CONNECT to an allowed target: 200")
    data = os.urandom(3 << 20)
    sent, deadline = 0, time.monotonic() + 20
    while len(client.streams[sid]["body"]) < len(data) and time.monotonic() < deadline:
        sent += client.send_data(sid, data[sent:sent + 65536]) if sent < len(data) else 0
        client.receive(0.01)
    t.ok(client.streams[sid]["body"] == data, "3 MiB through the tunnel and back, byte for byte",
         f"{len(client.streams[sid]['body'])} bytes back")
    client.conn.end_stream(sid)
    client.flush()
    client.pump([sid], timeout=10)
    t.ok(client.streams[sid]["done"] and not client.streams[sid]["reset"] and ended == [len(data)],
         "the client's end reaches the target as a FIN, whose own FIN ends the stream", (client.streams[sid], ended))
    sid = connect_stream(t, client, echo)
    client.send_data(sid, b"ping")
    client.receive(0.5)
    client.reset(sid)
    deadline = time.monotonic() + 10
    while len(ended) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    t.ok(len(ended) == 2 and ended[1] == 4, "a client's reset closes the target's connection", ended)
    sid = connect_stream(t, client, f"127.0.0.1:{free_port()}")
    t.eq(client.streams[sid]["headers"].get(":status"), "403", "CONNECT to a target not allowed: 403")
    client.close()
    # HTTP/1.1 CONNECT, curl's --proxytunnel, to h2serve through the tunnel.
    got = t.client([need_tool("curl"), "-sS", "-p", "-x", p.url.rstrip("/"), f"http://127.0.0.1:{demo.port}/hello"],
                   timeout=30)
    t.eq((got.returncode, got.stdout), (0, b"Hello, World!"), "curl --proxytunnel (HTTP/1.1 CONNECT) to h2serve")
    got = t.client([need_tool("curl"), "-sS", "-p", "-x", p.url.rstrip("/"), f"http://127.0.0.1:{free_port()}/"],
                   timeout=30)
    t.ok(got.returncode != 0 and b"403" in got.stderr, "curl --proxytunnel to a target not allowed: 403",
         got.stderr)
    p.check()
    demo.check()
    listener.close()


def ws_frame(opcode, payload, mask):
    """One final WebSocket frame (RFC 6455 §5.2), masked as a client's must be."""
    n, bit = len(payload), 0x80 if mask else 0
    head = bytes([0x80 | opcode]) + (bytes([bit | n]) if n < 126 else bytes([bit | 126]) + n.to_bytes(2, "big")
                                     if n < 65536 else bytes([bit | 127]) + n.to_bytes(8, "big"))
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_parse(buf):
    """The first frame of buf: (opcode, payload unmasked, the rest), or None while it is incomplete."""
    if len(buf) < 2:
        return None
    n, i = buf[1] & 127, 2
    if n >= 126:
        i += 2 if n == 126 else 8
        if len(buf) < i:
            return None
        n = int.from_bytes(buf[2:i], "big")
    key = buf[i:i + 4] if buf[1] & 0x80 else None
    i += 4 if key else 0
    if len(buf) < i + n:
        return None
    payload = buf[i:i + n]
    if key:
        payload = bytes(b ^ key[j % 4] for j, b in enumerate(payload))
    return buf[0] & 15, payload, buf[i + n:]


def websocket_server():
    """An HTTP/1.1 WebSocket echo server in a thread (RFC 6455, by hand): text and binary messages back, pings
    answered with pongs, a close with a close and the connection's end. Returns the listening socket and the
    handshakes it saw (request line, fields)."""
    handshakes = []

    def serve(sock):
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += sock.recv(4096)
        head, _, buf = buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        handshakes.append((lines[0], fields))
        accept = base64.b64encode(hashlib.sha1(fields["sec-websocket-key"].encode() +
                                               b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()).decode()
        sock.sendall(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n".encode())
        while True:
            frame = ws_parse(buf)
            if not frame:
                data = sock.recv(65536)
                if not data:
                    break
                buf += data
                continue
            opcode, payload, buf = frame
            sock.sendall(ws_frame(10 if opcode == 9 else opcode, payload, False))
            if opcode == 8:
                break
        sock.close()

    return thread_server(serve), handshakes


def websocket_checks(t):
    listener, handshakes = websocket_server()
    p = proxy(t, "--upstream", f"http://127.0.0.1:{free_port()}", "--websocket-upstream",
              f"127.0.0.1:{listener.getsockname()[1]}")
    need_python_h2()
    client = H2Client(p.port)
    client.receive(0.5)  # the proxy's SETTINGS, with ENABLE_CONNECT_PROTOCOL
    client.conn.config.validate_outbound_headers = False  # python-h2 4.1 does not know :protocol
    sid = client.conn.get_next_available_stream_id()
    client.conn.send_headers(sid, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
                                   (":path", "/chat?room=1"), (":authority", "127.0.0.1"),
                                   ("sec-websocket-version", "13"), ("sec-websocket-protocol", "chat")])
    client.flush()
    client.streams[sid] = {"headers": {}, "body": b"", "done": False, "reset": False}
    deadline = time.monotonic() + 10
    while not client.streams[sid]["headers"] and not client.streams[sid]["done"] and time.monotonic() < deadline:
        client.receive(0.1)
    headers = client.streams[sid]["headers"]
    t.ok(headers.get(":status") == "200" and headers.get("sec-websocket-protocol") == "chat",
         "WebSocket over HTTP/2 (RFC 8441): 200, the upstream's subprotocol", headers)
    line, fields = handshakes[0] if handshakes else ("", {})
    t.ok(line == "GET /chat?room=1 HTTP/1.1" and fields.get("upgrade") == "websocket" and
         fields.get("sec-websocket-version") == "13" and len(base64.b64decode(fields.get("sec-websocket-key", ""))) == 16
         and fields.get("sec-websocket-protocol") == "chat",
         "... the upstream got an HTTP/1.1 Upgrade: websocket for the path, with a key and the subprotocol",
         handshakes)
    binary = os.urandom(100000)
    messages = [(1, b"hello"), (2, binary), (9, b"are you there")]
    for opcode, payload in messages:
        data = ws_frame(opcode, payload, True)
        while data:
            data = data[client.send_data(sid, data):]
            client.receive(0.01)
    got, deadline = [], time.monotonic() + 10
    while len(got) < 3 and time.monotonic() < deadline:
        frame = ws_parse(client.streams[sid]["body"])
        if frame:
            got.append(frame[:2])
            client.streams[sid]["body"] = frame[2]
        else:
            client.receive(0.1)
    t.eq(got, [(1, b"hello"), (2, binary), (10, b"are you there")],
         "a text message, a 100 kB binary one and a ping: back as they went, the ping as a pong")
    client.send_data(sid, ws_frame(8, (1000).to_bytes(2, "big"), True))
    client.pump([sid], timeout=10)
    frame = ws_parse(client.streams[sid]["body"])
    t.ok(frame and frame[:2] == (8, (1000).to_bytes(2, "big")) and client.streams[sid]["done"] and
         not client.streams[sid]["reset"],
         "a close: the upstream's close comes back, and its end of the connection ends the stream",
         client.streams[sid])
    sid = client.conn.get_next_available_stream_id()
    client.conn.send_headers(sid, [(":method", "CONNECT"), (":protocol", "unknown"), (":scheme", "http"),
                                   (":path", "/"), (":authority", "127.0.0.1")])
    client.flush()
    client.streams[sid] = {"headers": {}, "body": b"", "done": False, "reset": False}
    client.pump([sid], timeout=10)
    t.eq(client.streams[sid]["headers"].get(":status"), "501", "extended CONNECT for another protocol: 501")
    client.close()
    p.check()
    listener.close()


def grpc_checks(t):
    """Python's gRPC (python3-grpcio) through the proxy: unary, server-streaming and bidirectional calls, their
    status and metadata in trailers, a call that fails with its status."""
    import grpc
    from concurrent import futures

    def unary(request, context):
        context.set_trailing_metadata((("x-trailer", "unary"),))
        return request[::-1]

    def server_stream(request, context):
        context.set_trailing_metadata((("x-trailer", "stream"),))
        for i in range(5):
            yield request + str(i).encode()

    def bidi(requests, context):
        for request in requests:
            yield request.upper()

    def fail(request, context):
        context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Echo", {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "Stream": grpc.unary_stream_rpc_method_handler(server_stream),
        "Bidi": grpc.stream_stream_rpc_method_handler(bidi),
        "Fail": grpc.unary_unary_rpc_method_handler(fail)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    p = proxy(t, "--upstream", f"http://127.0.0.1:{port}")
    with grpc.insecure_channel(f"127.0.0.1:{p.port}") as channel:
        reply, call = channel.unary_unary("/test.Echo/Unary").with_call(b"hello", timeout=10)
        t.ok(reply == b"olleh" and call.code() == grpc.StatusCode.OK and
             ("x-trailer", "unary") in call.trailing_metadata(),
             "gRPC unary through the proxy: the reply, status OK and the metadata in trailers",
             (reply, call.code(), call.trailing_metadata()))
        replies = channel.unary_stream("/test.Echo/Stream")(b"m", timeout=10)
        got = list(replies)
        t.ok(got == [b"m0", b"m1", b"m2", b"m3", b"m4"] and replies.code() == grpc.StatusCode.OK and
             ("x-trailer", "stream") in replies.trailing_metadata(),
             "gRPC server streaming: five messages, then status and metadata", got)
        messages = [os.urandom(1000).hex().encode() for _ in range(20)]
        got = list(channel.stream_stream("/test.Echo/Bidi")(iter(messages), timeout=10))
        t.eq(got, [m.upper() for m in messages], "gRPC bidirectional streaming: 20 messages each way")
        try:
            channel.unary_unary("/test.Echo/Fail")(b"x", timeout=10)
            t.fail("gRPC: a failing call fails")
        except grpc.RpcError as e:
            t.ok(e.code() == grpc.StatusCode.NOT_FOUND and e.details() == "no such thing",
                 "gRPC: a failing call's status and message come through (trailers-only)", (e.code(), e.details()))
    server.stop(0)
    p.check()


def fault_checks(t):
    closed = free_port()
    p = proxy(t, "--upstream", f"http://127.0.0.1:{closed}")
    got = t.curl(p.url + "hello")
    t.ok(got and got[0] == 502 and got[1] == b"bad gateway\n", "a refused upstream: 502")
    p.check()
    t.ok("502 for GET /hello" in p.stderr() and "refused" in p.stderr(), "... and a line on stderr saying why",
         p.stderr())
    demo = upstream(t)
    p = proxy(t, "--upstream", f"http://127.0.0.1:{closed}", "--upstream", f"http://127.0.0.1:{demo.port}")
    codes = [t.curl(p.url + "hello") for _ in range(6)]
    t.ok(all(c and c[0] == 200 for c in codes), "a refused upstream before a good one: every request answered 200",
         [c and c[0] for c in codes])
    p.check()
    listener, held = holding_server()
    p = proxy(t, "--timeout", "1", "--upstream", f"http://127.0.0.1:{listener.getsockname()[1]}")
    got = t.curl(p.url + "hello")
    t.ok(got and got[0] == 504, "an upstream that says nothing: 504 after --timeout")
    p.check()
    t.ok("504 for GET /hello" in p.stderr(), "... and a line on stderr", p.stderr())
    listener.close()
    demo.check()


def usage_checks(t):
    got = t.client([t.binary, "--help"], timeout=10)
    text = got.stdout.decode()
    t.ok(got.returncode == 0 and all(o in text for o in ("--listen", "--upstream", "--upstream-http1", "--cert",
                                                        "--timeout", "--workers", "--access-log", "--connect-allow",
                                                        "--websocket-upstream")),
         "--help: exit 0, every option told")
    for args in (["--upstream", "http://127.0.0.1:1"], ["--listen", "0"], ["--listen", "0", "--upstream", "ftp://x"],
                 ["--listen", "0", "--upstream", "http://x/path"]):
        got = t.client([t.binary, *args], timeout=10)
        t.ok(got.returncode == 2 and got.stderr, f"{' '.join(args)}: exit 2 with a line on stderr")


def main(t):
    # Every client and upstream first: a missing one skips the whole test before it starts.
    for tool in ("curl", "nghttp", "nghttpd", "h2load", "openssl"):
        need_tool(tool)
    need_python_h2()
    try:
        import grpc  # noqa: F401
    except ImportError:
        print("1..0 # SKIP python3-grpcio is not installed (scripts/install-deps.sh installs it)", flush=True)
        sys.exit(0)
    data_dir = t.tmpdir()
    usage_checks(t)
    h2c_checks(t, data_dir)
    tls_checks(t, data_dir)
    http1_checks(t, data_dir)
    nghttpd_checks(t, data_dir)
    trailers_check(t)
    tunnel_checks(t)
    websocket_checks(t)
    grpc_checks(t)
    fault_checks(t)


if __name__ == "__main__":
    H2SERVE, H2GET = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    run(main, 150)
