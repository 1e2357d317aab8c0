"""Outbound HTTP connections (h2ring/client.h: h2r_loop_new, h2r_connect) in a client of their own,
tests/io/client_probe.c, against real servers on loopback:

- h2serve in cleartext: HTTP/2 with prior knowledge (GET of several paths over one connection, a POST body echoed,
  a request made from a timer), HTTP/1.1 when asked (--http1.1), and by the name localhost (its ::1 refused first,
  then 127.0.0.1);
- h2serve over TLS with a test certificate for localhost: the certificate verified against it as the CA file
  (--cacert), refused without it (the system's store: H2R_ERR_TLS_VERIFY), taken with --insecure; a 1 MiB file by
  sha256; ALPN http/1.1 when the client offers only that;
- nghttpd, in cleartext and over TLS, and Python's http.server speaking HTTP/1.1 on 127.0.0.1 and [::1];
- errors: a closed port (-ECONNREFUSED), a full accept queue (-ETIMEDOUT after --connect-timeout), a TLS server that
  never answers the hello (H2R_ERR_HANDSHAKE_TIMEOUT), a name that does not resolve (H2R_ERR_RESOLVE), and h2 alone
  offered to a server that speaks only HTTP/1.1 over TLS (H2R_ERR_ALPN).
Each exchange asserts the status, the body's bytes and the session's end (on_session_close); the client's stderr must
hold no sanitizer report.
"""

import hashlib
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

from h2serve_fixture import SANITIZER_MARKERS, free_port, full_listener, need_tool, run, write_random_file

ECONNREFUSED, ETIMEDOUT = 111, 110
H2R_ERR_RESOLVE, H2R_ERR_TLS_VERIFY, H2R_ERR_ALPN, H2R_ERR_HANDSHAKE_TIMEOUT = -601, -602, -604, -605
MiB = 1 << 20
PROBE = None  # client_probe's path, from the command line


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


def wait_listening(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


UNFRAMED = b"a body that the connection's end delimits\n" * 1000


class Http11Handler(http.server.SimpleHTTPRequestHandler):
    """The directory's files with Content-Length, kept alive; /unframed: a body without a length, ended by the
    connection's close (RFC 9112 §6.3)."""
    protocol_version = "HTTP/1.1"  # keep-alive and Content-Length, not HTTP/1.0's close

    def do_GET(self):
        if self.path != "/unframed":
            return super().do_GET()
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(UNFRAMED)
        self.close_connection = True

    def log_message(self, *args):
        pass


def python_server(directory, family, host):
    """Python's http.server speaking HTTP/1.1, serving directory on host (a free port), in a thread."""

    class Server(http.server.ThreadingHTTPServer):
        address_family = family

    server = Server((host, 0), lambda *a: Http11Handler(*a, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


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
    server.check()


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


def nghttpd_checks(t):
    nghttpd = need_tool("nghttpd")
    cert, key = t.certificate("localhost", "DNS:localhost,IP:127.0.0.1")
    root = t.tmpdir()
    with open(os.path.join(root, "index.html"), "wb") as f:
        f.write(b"nghttpd here\n")
    write_random_file(os.path.join(root, "1mib.bin"), 1)
    procs = []
    try:
        port = free_port()
        procs.append(subprocess.Popen([nghttpd, "--no-tls", "-d", root, "-a", "127.0.0.1", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        tls_port = free_port()
        procs.append(subprocess.Popen([nghttpd, "-d", root, "-a", "127.0.0.1", str(tls_port), key, cert],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        t.require(wait_listening(port) and wait_listening(tls_port), "nghttpd listens (cleartext and TLS)")
        body = open(os.path.join(root, "1mib.bin"), "rb").read()
        fetch(t, [f"http://127.0.0.1:{port}/index.html", f"http://127.0.0.1:{port}/1mib.bin"],
              [(200, b"nghttpd here\n"), (200, body)], what="nghttpd h2c")
        fetch(t, [f"https://localhost:{tls_port}/1mib.bin"], [(200, body)], "--cacert", cert, alpn="h2",
              what="nghttpd TLS")
    finally:
        for p in procs:
            p.kill()
            p.wait()


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


def main(t):
    h2serve_checks(t)
    tls_checks(t)
    nghttpd_checks(t)
    python_checks(t)
    error_checks(t)


if __name__ == "__main__":
    PROBE = os.path.abspath(sys.argv.pop(2))
    run(main, timeout=150)
