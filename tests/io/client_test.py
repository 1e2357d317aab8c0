"""Outbound HTTP connections (h2ring/client.h: h2r_loop_new, h2r_connect) in a client of their own,
tests/io/client_probe.c, against real servers on loopback:

- h2serve in cleartext: HTTP/2 with prior knowledge (GET of several paths over one connection, a POST body echoed,
  a request made from a timer), HTTP/1.1 when asked (--http1.1), and by the name localhost (its ::1 refused first,
  then 127.0.0.1);
- h2serve over TLS with a test certificate for localhost: the certificate verified against it as the CA file
  (--cacert), refused without it (the system's store: H2R_ERR_TLS_VERIFY), taken with --insecure; a 1 MiB file by
  sha256; ALPN http/1.1 when the client offers only that;
- nghttpd and h2o, in cleartext and over TLS (h2o over HTTP/1.1 too, and by ALPN), and Python's http.server
  speaking HTTP/1.1 on 127.0.0.1 and [::1] (a body the connection's end delimits too);
- requests through the loop's pool (h2r_client_request), over HTTP/2 and HTTP/1.1; h2r_loop_stop and the loop's
  free with a request open; requests a python-h2 server refuses (GOAWAY below them, RST_STREAM REFUSED_STREAM) made
  once more on a new connection, bodies included, and not when refused twice or after their response began; one
  waiting for a stream when a GOAWAY comes moved to a new connection;
- a server that is a client too (tests/io/proxy_server.c): its requests relayed through its worker's pool to h2serve
  over HTTP/2 or HTTP/1.1, for curl over either, one upstream connection shared, 502 when the upstream is down, and a
  clean exit on SIGTERM with the pooled connection open;
- h2r_connect's refusals of malformed URLs, and of another thread (h2r_loop_run's too); h2r_loop_stop from another
  thread;
- errors: a closed port (-ECONNREFUSED), a full accept queue (-ETIMEDOUT after --connect-timeout), a TLS server that
  never answers the hello (H2R_ERR_HANDSHAKE_TIMEOUT), a name that does not resolve (H2R_ERR_RESOLVE), and h2 alone
  offered to a server that speaks only HTTP/1.1 over TLS (H2R_ERR_ALPN).
Each exchange asserts the status, the body's bytes and the session's end (on_session_close); the client's stderr must
hold no sanitizer report.
"""

import hashlib
import importlib.util
import itertools
import json
import os
import socket
import ssl
import sys
import threading
import time

from h2serve_fixture import (SANITIZER_MARKERS, UNFRAMED, Server, free_port, full_listener, python_server, run,
                             start_h2o, start_nghttpd, write_random_file)

ECONNREFUSED, ETIMEDOUT = 111, 110
H2R_ERR_INVALID_ARGUMENT, H2R_ERR_WRONG_THREAD = -501, -512
H2R_ERR_RESOLVE, H2R_ERR_TLS_VERIFY, H2R_ERR_ALPN, H2R_ERR_HANDSHAKE_TIMEOUT = -601, -602, -604, -605
MiB = 1 << 20
PROBE = PROXY = None  # client_probe's and proxy_server's paths, from the command line


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Result:
    """What client_probe printed: connected (version, alpn) or the connect error, the responses and resets."""

    def __init__(self, proc, out_dir):
        self.status = proc.returncode
        self.lines = proc.stdout.decode("latin-1").splitlines()
        self.stderr = proc.stderr.decode("latin-1")
        self.out_dir = out_dir
        self.connected = self.error = None
        self.responses, self.resets, self.pushes = {}, {}, []
        for line in self.lines:
            words = line.split()
            if words[0] == "connected":
                self.connected = tuple(words[1:3])
            elif words[0] == "connect-error":
                self.error = int(words[1])
            elif words[0] == "response":
                self.responses[int(words[1])] = (int(words[2]), int(words[3]))
            elif words[0] == "reset":
                self.resets[int(words[1])] = int(words[2])
            elif words[0] == "push":
                self.pushes.append(words[1])
        self.session_closed = "session-closed" in self.lines

    def body(self, n):
        with open(os.path.join(self.out_dir, str(n)), "rb") as f:
            return f.read()

    def text(self):
        return "\n".join(self.lines) + "\n" + self.stderr


def probe(t, urls, *args, timeout=30):
    out_dir = t.tmpdir()
    proc = t.client([PROBE, "--out-dir", out_dir, *args, *urls], timeout=timeout)
    r = Result(proc, out_dir)
    reports = [m for m in SANITIZER_MARKERS if m in r.stderr]
    t.ok(not reports, f"client_probe {' '.join(args)} {urls[0]}: no sanitizer report", r.stderr[-4000:])
    return r


def fetch(t, urls, expect, *args, version="2.0", alpn="-", what=""):
    """Requests urls on one connection; expect[i] is (status, body bytes) of urls[i]. Returns the Result."""
    label = f"{what or urls[0]} {' '.join(args)}".strip()
    r = probe(t, urls, *args)
    t.eq(r.connected, (version, alpn), f"{label}: connected over HTTP/{version}, ALPN {alpn}")
    got = {i: (r.responses.get(i, (None,))[0], r.body(i) if i in r.responses else None) for i in range(len(urls))}
    want = {i: (status, body) for i, (status, body) in enumerate(expect)}
    t.ok(got == want, f"{label}: {len(urls)} response(s) with their status and body",
         r.text() + f"\ngot statuses {[(i, g[0], len(g[1] or b'')) for i, g in got.items()]}")
    t.ok(r.status == 0 and not r.resets and r.session_closed, f"{label}: the session ends (on_session_close), "
         "nothing reset, exit 0", r.text())
    return r


def expect_error(t, url, err, what, *args, timeout=30):
    r = probe(t, [url], *args, timeout=timeout)
    t.ok(r.error == err and r.status == 1 and not r.responses, f"{what}: on_connect gets {err}", r.text())
    return r


def holding_server(tls_context=None):
    """A listener that accepts and holds every connection, answering nothing; with tls_context, after a handshake
    (a TLS server that says nothing once it is done). Without, a TLS server that stalls the handshake.
    (listener, the sockets held)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held = []

    def serve():
        while True:
            try:
                sock = listener.accept()[0]
            except OSError:
                return
            held.append(sock)
            if tls_context:
                try:
                    held.append(tls_context.wrap_socket(sock, server_side=True))
                except (OSError, ssl.SSLError):
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return listener, held


def h2serve_checks(t):
    server = t.server()
    url = f"http://127.0.0.1:{server.port}"
    r = fetch(t, [url + "/hello", url + "/x", url + "/missing"],
              [(200, b"Hello, World!"), (200, b"Server X Response"), (404, b"not found\n")], what="h2serve h2c: 3 GETs")
    t.eq(sorted(r.pushes), ["/y", "/z"], "h2serve h2c: /x's pushes of /y and /z reach on_stream (and are refused)")
    data_dir = t.tmpdir()
    upload = os.path.join(data_dir, "upload.bin")
    write_random_file(upload, 1)
    with open(upload, "rb") as f:
        data = f.read()
    fetch(t, [url + "/echo"], [(200, data)], "--data", upload, what="h2serve h2c: POST /echo of 1 MiB")
    fetch(t, [url + "/echo"], [(200, data)], "--data", upload, "--http1.1", version="1.1",
          what="h2serve HTTP/1.1: POST /echo of 1 MiB")
    fetch(t, [url + "/hello"], [(200, b"Hello, World!")], "--http1.1", version="1.1", what="h2serve HTTP/1.1")
    fetch(t, [url + "/hello"], [(200, b"Hello, World!")], "--request-after", "200",
          what="h2serve h2c: a request made from a timer")
    fetch(t, [f"http://localhost:{server.port}/hello"], [(200, b"Hello, World!")],
          what="h2serve h2c by the name localhost")
    r = probe(t, [url + "/delay/10000"], "--stop-after", "300")
    t.ok(r.connected and "stopped" in r.lines and list(r.resets) == [0] and not r.responses and r.session_closed
         and r.lines.index("stopped") < r.lines.index("session-closed"),
         "h2r_loop_stop from a timer while a request waits: h2r_loop_run returns, and h2r_loop_free cuts the "
         "connection (the stream aborted, on_session_close)", r.text())
    pool_checks(t, server)
    proxy_checks(t, server)
    server.check()


def proxy_checks(t, upstream):
    """proxy_server, whose requests go through its worker's pool to h2serve: the client's events, on the server's
    loop, answer the server's streams, which go out then; its upstream connection is shared."""
    url = f"http://127.0.0.1:{upstream.port}"
    for args, version in (((), "2"), (("--upstream-http1",), "1.1")):
        proxy = Server(t, PROXY, [*args, url], 15)
        label = f"proxy_server, upstream over HTTP/{version}"
        for client_version in ("2", "1.1"):
            got = t.curl(proxy.url + "proxy/hello", version=client_version)
            t.ok(got and got[:2] == (200, b"Hello, World!"), f"{label}: /hello relayed to an HTTP/{client_version} "
                 "client")
        got = t.curl(proxy.url + "proxy/missing")
        t.ok(got and got[:2] == (404, b"not found\n"), f"{label}: the upstream's 404 relayed")
        ports = [t.curl(proxy.url + "proxy/whoami") for _ in range(2)]
        ports = [json.loads(p[1])["peer_port"] for p in ports if p and p[0] == 200]
        t.ok(len(ports) == 2 and ports[0] == ports[1], f"{label}: one upstream connection for both (port {ports})")
        proxy.check()
    proxy = Server(t, PROXY, [f"http://127.0.0.1:{free_port()}"], 15)
    got = t.curl(proxy.url + "proxy/hello")
    t.ok(got and got[0] == 502 and got[2].get("x-error") == str(-ECONNREFUSED),
         "proxy_server, upstream down: 502 with on_close's -ECONNREFUSED", got)
    proxy.check()


def pool_checks(t, server):
    """Requests through the loop's pool (h2r_client_request): one connection per origin, shared (/whoami tells the
    client's port), each request told its own end; one to a closed port fails alone."""
    url = f"http://127.0.0.1:{server.port}"
    refused = f"http://127.0.0.1:{free_port()}/hello"
    for args, version in (((), "2"), (("--http1.1",), "1.1")):
        label = f"the pool, HTTP/{version}"
        r = probe(t, [url + "/whoami", url + "/hello", url + "/whoami", refused], "--pool", *args)
        t.eq({i: r.responses.get(i, (None,))[0] for i in range(3)}, {0: 200, 1: 200, 2: 200},
             f"{label}: three requests to h2serve answered")
        t.ok(r.body(1) == b"Hello, World!" and r.error is None and not r.resets, f"{label}: /hello's body",
             r.text())
        ports = [json.loads(r.body(i))["peer_port"] for i in (0, 2) if i in r.responses]
        t.ok(len(ports) == 2 and ports[0] == ports[1], f"{label}: over one connection (client port {ports})",
             r.text())
        t.ok(f"request-error 3 {-ECONNREFUSED} " in r.text() and r.status == 1,
             f"{label}: the request to a closed port alone fails, with -ECONNREFUSED", r.text())


def refusing_server(max_streams=100):
    """A python-h2 server, in threads, that refuses requests the ways RFC 9113 §8.7 says may be retried, by path:
    /goaway is answered on a connection's stream 1 and, on a later stream, refused with GOAWAY naming the stream
    before it (once per connection); /goaway-then-answer gets, half a second later, a GOAWAY naming its stream,
    then its answer; /refuse-once gets RST_STREAM REFUSED_STREAM the first time, /refuse-always every time,
    /refuse-late after its response's HEADERS. Answers are "conn N PATH" and the request's body, N counting connections from 1; max_streams is its
    SETTINGS_MAX_CONCURRENT_STREAMS. Returns (listener, log): log gets (conn, stream, path, what was done)."""
    import h2.config
    import h2.connection
    import h2.errors
    import h2.events
    import h2.settings
    import hyperframe.frame

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    log, seen, lock = [], set(), threading.Lock()

    def serve(sock, conn_no):
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.local_settings = h2.settings.Settings(
            client=False, initial_values={h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: max_streams})
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        paths, bodies, gone = {}, {}, False
        while not gone and (data := sock.recv(65536)):
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    paths[event.stream_id], bodies[event.stream_id] = dict(event.headers)[":path"], b""
                elif isinstance(event, h2.events.DataReceived):
                    bodies[event.stream_id] += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    sid, path = event.stream_id, paths[event.stream_id]
                    with lock:
                        first = path not in seen
                        seen.add(path)
                    what = "answered"
                    if path == "/goaway" and sid > 1:
                        conn.close_connection(last_stream_id=sid - 2)
                        what, gone = "goaway", True
                    elif path == "/refuse-always" or (path == "/refuse-once" and first):
                        conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
                        what = "refused"
                    elif path == "/refuse-late":
                        conn.send_headers(sid, [(":status", "200")])
                        conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
                        what = "refused late"
                    else:
                        if path == "/goaway-then-answer":
                            time.sleep(0.5)  # the client's next request waits for a stream meanwhile
                            # Written by hand: after its own GOAWAY, h2 would send nothing more.
                            goaway = hyperframe.frame.GoAwayFrame(0)
                            goaway.last_stream_id = sid
                            sock.sendall(goaway.serialize())
                            what = "goaway, answered"  # and the client closes the connection once it is done
                        conn.send_headers(sid, [(":status", "200")])
                        conn.send_data(sid, f"conn {conn_no} {path}\n".encode() + bodies[sid], end_stream=True)
                    log.append((conn_no, sid, path, what))
                    if gone:
                        break
            sock.sendall(conn.data_to_send())
        sock.close()

    def accept():
        for conn_no in itertools.count(1):
            try:
                sock = listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=serve, args=(sock, conn_no), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener, log


def retry_checks(t):
    """The pool makes a refused request once more on a new connection (RFC 9113 §8.7), and only once."""
    if importlib.util.find_spec("h2") is None:
        t.ok(True, "the pool's retries # SKIP python3-h2 is not installed for this python")
        return
    listener, log = refusing_server()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        r = probe(t, [url + "/goaway", url + "/goaway"], "--pool")
        t.ok(r.status == 0 and not r.resets and r.body(0) == b"conn 1 /goaway\n" and
             r.body(1) == b"conn 2 /goaway\n", "the pool: a request above a GOAWAY's last stream id is made again "
             "on a new connection, and answered there", r.text())
        t.eq(log, [(1, 1, "/goaway", "answered"), (1, 3, "/goaway", "goaway"), (2, 1, "/goaway", "answered")],
             "the pool, GOAWAY: what the server did")
        del log[:]
        data = os.path.join(t.tmpdir(), "body")
        with open(data, "wb") as f:
            f.write(b"the request's body")
        r = probe(t, [url + "/goaway", url + "/goaway"], "--pool", "--data", data)
        t.ok(r.status == 0 and not r.resets and r.body(1) == b"conn 4 /goaway\nthe request's body",
             "the pool: a POST above a GOAWAY's last stream id is made again with its whole body", r.text())
        del log[:]
        r = probe(t, [url + "/refuse-once"], "--pool")
        t.ok(r.status == 0 and not r.resets and r.body(0) == b"conn 6 /refuse-once\n", "the pool: a request reset "
             "with REFUSED_STREAM is made again on a new connection", r.text())
        t.eq(log, [(5, 1, "/refuse-once", "refused"), (6, 1, "/refuse-once", "answered")],
             "the pool, REFUSED_STREAM: what the server did")
        del log[:]
        r = probe(t, [url + "/refuse-always"], "--pool")
        t.ok(r.status == 1 and r.resets == {0: 7} and not r.responses, "the pool: refused twice, the request ends "
             "with REFUSED_STREAM", r.text())
        t.eq([entry[2:] for entry in log], [("/refuse-always", "refused")] * 2, "the pool: made twice, no more")
        del log[:]
        r = probe(t, [url + "/refuse-late"], "--pool")
        t.ok(r.status == 1 and r.resets == {0: 7}, "the pool: REFUSED_STREAM after the response began ends the "
             "request", r.text())
        t.eq([entry[2:] for entry in log], [("/refuse-late", "refused late")], "the pool: such a request is not made "
             "again")
    finally:
        listener.close()
    # One stream at a time, the second request 200 ms after the first: it waits in the pool's queue when the
    # GOAWAY comes.
    listener, log = refusing_server(max_streams=1)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        path = "/goaway-then-answer"
        r = probe(t, [url + path, url + path], "--pool", "--request-after", "200")
        t.ok(r.status == 0 and not r.resets and r.body(0) == f"conn 1 {path}\n".encode() and
             r.body(1) == f"conn 2 {path}\n".encode(), "the pool: a request waiting for a stream when a GOAWAY "
             "comes goes to a new connection", r.text())
        t.eq(log, [(1, 1, path, "goaway, answered"), (2, 1, path, "goaway, answered")],
             "the pool, a request waiting at GOAWAY: what the server did")
    finally:
        listener.close()


def tls_checks(t):
    cert, key = t.certificate("localhost", "DNS:localhost,IP:127.0.0.1")
    root = t.tmpdir()
    digest, _ = write_random_file(os.path.join(root, "1mib.bin"), 1)
    server = t.server("--cert", cert, "--key", key, "--root", root)
    url = f"https://localhost:{server.port}/1mib.bin"
    r = fetch(t, [url], [(200, open(os.path.join(root, "1mib.bin"), "rb").read())], "--cacert", cert,
              alpn="h2", what="h2serve TLS, the test CA")
    t.eq(sha256_file(os.path.join(r.out_dir, "0")), digest, "h2serve TLS: the 1 MiB file's sha256")
    expect_error(t, url, H2R_ERR_TLS_VERIFY, "h2serve TLS, the system's CA store: the certificate is not trusted")
    other_cert, _ = t.certificate("other.test", "DNS:other.test")
    expect_error(t, url, H2R_ERR_TLS_VERIFY, "h2serve TLS, another CA: not trusted", "--cacert", other_cert)
    fetch(t, [url], [(200, open(os.path.join(root, "1mib.bin"), "rb").read())], "--insecure", alpn="h2",
          what="h2serve TLS, --insecure")
    fetch(t, [url], [(200, open(os.path.join(root, "1mib.bin"), "rb").read())], "--cacert", cert, "--http1.1",
          version="1.1", alpn="http/1.1", what="h2serve TLS, only http/1.1 offered")
    server.check()


def peer_checks(t, peer, http1=True):
    """Another server: h2c (two requests on one connection), TLS with the test CA, and HTTP/1.1 both ways if it
    speaks it."""
    plain, tls = f"http://127.0.0.1:{peer.port}", f"https://localhost:{peer.tls_port}"
    fetch(t, [plain + "/index.html", plain + "/1mib.bin"], [(200, peer.index), (200, peer.body)],
          what=f"{peer.name} h2c")
    fetch(t, [tls + "/1mib.bin"], [(200, peer.body)], "--cacert", peer.cert, alpn="h2", what=f"{peer.name} TLS")
    if http1:
        fetch(t, [plain + "/1mib.bin"], [(200, peer.body)], "--http1.1", version="1.1",
              what=f"{peer.name} HTTP/1.1")
        fetch(t, [tls + "/index.html"], [(200, peer.index)], "--cacert", peer.cert, "--http1.1", version="1.1",
              alpn="http/1.1", what=f"{peer.name} TLS, only http/1.1 offered")


def nghttpd_checks(t):
    with start_nghttpd(t) as peer:
        peer_checks(t, peer, http1=False)  # HTTP/2 alone


def h2o_checks(t):
    peer = start_h2o(t)
    if peer:
        with peer:
            peer_checks(t, peer)


def python_checks(t):
    root = t.tmpdir()
    write_random_file(os.path.join(root, "1mib.bin"), 1)
    body = open(os.path.join(root, "1mib.bin"), "rb").read()
    with open(os.path.join(root, "a.txt"), "wb") as f:
        f.write(b"plain HTTP/1.1\n")
    for family, host, url_host in ((socket.AF_INET, "127.0.0.1", "127.0.0.1"), (socket.AF_INET6, "::1", "[::1]")):
        try:
            server = python_server(root, family, host)
        except OSError as e:
            t.ok(True, f"Python http.server on {host} # SKIP {e}")
            continue
        try:
            base = f"http://{url_host}:{server.server_address[1]}"
            fetch(t, [base + "/a.txt", base + "/1mib.bin"], [(200, b"plain HTTP/1.1\n"), (200, body)], "--http1.1",
                  version="1.1", what=f"Python http.server on {url_host}, HTTP/1.1: two requests in turn")
            fetch(t, [base + "/unframed"], [(200, UNFRAMED)], "--http1.1", version="1.1",
                  what=f"Python http.server on {url_host}: a body the server's FIN ends (h2r_session_eof)")
        finally:
            server.shutdown()
            server.server_close()


def error_checks(t):
    expect_error(t, f"http://127.0.0.1:{free_port()}/", -ECONNREFUSED, "a closed port")
    listener, fillers = full_listener()
    try:
        expect_error(t, f"http://127.0.0.1:{listener.getsockname()[1]}/", -ETIMEDOUT,
                     "a full accept queue, --connect-timeout 300", "--connect-timeout", "300")
    finally:
        for s in fillers:
            s.close()
        listener.close()
    listener, held = holding_server()
    try:
        expect_error(t, f"https://localhost:{listener.getsockname()[1]}/", H2R_ERR_HANDSHAKE_TIMEOUT,
                     "a TLS server that never answers the hello, --handshake-timeout 500", "--insecure",
                     "--handshake-timeout", "500")
    finally:
        for s in held:
            s.close()
        listener.close()
    cert, key = t.certificate("localhost", "DNS:localhost")
    http1_only = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    http1_only.load_cert_chain(cert, key)
    http1_only.set_alpn_protocols(["http/1.1"])
    listener, held = holding_server(http1_only)
    try:
        expect_error(t, f"https://localhost:{listener.getsockname()[1]}/", H2R_ERR_ALPN,
                     "a TLS server of http/1.1 alone, the client offering only h2: no protocol in common",
                     "--cacert", cert, "--h2-only")
    finally:
        for s in held:
            s.close()
        listener.close()
    expect_error(t, "http://no-such-host.invalid/", H2R_ERR_RESOLVE, "a name that does not resolve")
    bad = ["ftp://127.0.0.1/", "http://", "http://[::1", "http://[::1]x/", "http://127.0.0.1:0/",
           "http://127.0.0.1:65536/", "http://127.0.0.1:80x/", "127.0.0.1:80"]
    r = probe(t, bad, "--refusals")
    t.eq([line for line in r.lines if line.startswith("refused")],
         [f"refused {i} {H2R_ERR_INVALID_ARGUMENT}" for i in range(len(bad))],
         "h2r_connect refuses URLs that are not http:// or https:// with a host and a port in range, at once")
    t.ok(r.status == 0 and "on_connect-called" not in r.lines, "and calls no on_connect for them", r.text())
    t.ok(f"foreign-connect {H2R_ERR_WRONG_THREAD}" in r.lines and f"foreign-run {H2R_ERR_WRONG_THREAD}" in r.lines,
         "h2r_connect and h2r_loop_run from another thread: H2R_ERR_WRONG_THREAD", r.text())
    t.ok("stopped" in r.lines and "timer-ran" not in r.lines,
         "h2r_loop_stop from another thread ends h2r_loop_run, a 60 s timer still pending", r.text())


def main(t):
    h2serve_checks(t)
    retry_checks(t)
    tls_checks(t)
    nghttpd_checks(t)
    h2o_checks(t)
    python_checks(t)
    error_checks(t)


if __name__ == "__main__":
    PROBE, PROXY = os.path.abspath(sys.argv.pop(2)), os.path.abspath(sys.argv.pop(2))
    run(main, timeout=150)
