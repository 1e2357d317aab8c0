"""h2get (apps/h2get) against real servers on loopback:

- h2serve in cleartext: a file's bytes by sha256, several URLs over one connection in parallel (every request sent
  before the first body comes, in one connection's frames), -O DIR with /x's pushes (/y, /z) and --no-push leaving
  DIR/x alone, -d @FILE to POST /sha256 (the digest) and /echo (the bytes back), over HTTP/2 and HTTP/1.1, -v's frame
  lines both ways, the load mode's summary read with bench/run's own regular expressions;
- h2serve over TLS: --cacert with the test certificate, the system's store refusing it (exit 1, one line saying
  why), --insecure, -O DIR with /x's pushes;
- nghttpd, in cleartext and over TLS: a file by sha256, and its pushes (-p) saved with -O;
- h2o, in cleartext and over TLS: two files over one connection, by sha256, and HTTP/1.1 both ways;
- Node's http2 server doing the seed's push example (node_push_server.js), in cleartext and over TLS: -O DIR /x
  leaves x, y and z;
- Python's http.server with --http1.1: a file by sha256;
- a python-h2 server that misbehaves: pushes of paths that climb out of -O's DIR (refused, nothing written outside
  DIR), a stream it resets and a connection it closes (exit 1);
- exit statuses: a closed port (1, "Connection refused"), a 404 with --fail (22), without it (0, the body written),
  the command line's mistakes (2), --help (0, every option told).
Every run's stderr must hold no sanitizer report.
"""

import ast
import hashlib
import os
import re
import shutil
import socket
import sys

from h2serve_fixture import (SANITIZER_MARKERS, free_port, need_python_h2, python_server, run, start_h2o,
                             start_nghttpd, thread_server, write_random_file)

H2GET = None  # h2get's path, from the command line
HERE = os.path.dirname(os.path.abspath(__file__))
# The seed's example (shared/reference/push-example.zh.md): /x and its pushes, as h2serve's demo and
# node_push_server.js serve them.
SEED_DEMO = {"x": b"Server X Response", "y": b"Server Y Response", "z": b"Server Z Response"}
FRAME_LINE = re.compile(r"^(send|recv) ([A-Z_]+) frame <length=(\d+), flags=0x([0-9a-f]{2}), stream_id=(\d+)>$")


def bench_regexes():
    """bench/run's regular expressions for h2load's output (H2LOAD_*), taken from its source as they are."""
    with open(os.path.join(HERE, "..", "..", "bench", "run"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and \
                node.targets[0].id.startswith("H2LOAD_"):
            found[node.targets[0].id] = eval(compile(ast.Expression(node.value), "bench/run", "eval"), {"re": re})
    return found


class Run:
    """One h2get run: its exit status, stdout (bytes) and stderr (text)."""

    def __init__(self, proc):
        self.status = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr.decode("latin-1")

    def frames(self):
        """-v's frame lines: (direction, type, flags, stream id), in order."""
        return [(m[1], m[2], int(m[4], 16), int(m[5])) for m in map(FRAME_LINE.match, self.err.splitlines()) if m]


def h2get(t, *args, timeout=60):
    proc = t.client([H2GET, *args], timeout=timeout)
    r = Run(proc)
    reports = [m for m in SANITIZER_MARKERS if m in r.err]
    t.ok(not reports, f"h2get {' '.join(args)}: no sanitizer report", r.err[-4000:])
    return r


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def files_under(root):
    """Every file under root, by its path relative to root."""
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def saved(out):
    """What -O DIR saved: {path under DIR: bytes}."""
    return {name: read(os.path.join(out, name)) for name in files_under(out)}


def h2serve_checks(t):
    root = t.tmpdir()
    write_random_file(os.path.join(root, "3mib.bin"), 3)
    big = read(os.path.join(root, "3mib.bin"))
    for name, text in (("a.txt", b"first\n"), ("b.txt", b"second\n"), ("c.txt", b"third\n")):
        with open(os.path.join(root, name), "wb") as f:
            f.write(text)
    files = t.server("--root", root, "--workers", "1")
    r = h2get(t, files.url + "3mib.bin")
    t.ok(r.status == 0 and sha256(r.out) == sha256(big), "h2c: a 3 MiB file's bytes, exit 0", r.err)

    # Three URLs on one connection: one preface, streams 1, 3, 5, all sent before any body came, bodies in order.
    r = h2get(t, "-v", files.url + "a.txt", files.url + "3mib.bin", files.url + "c.txt")
    t.ok(r.status == 0 and r.out == b"first\n" + big + b"third\n", "three URLs: the bodies in the URLs' order",
         r.err[-2000:])
    frames = r.frames()
    sent_headers = [f[3] for f in frames if f[:2] == ("send", "HEADERS")]
    first_data = next((i for i, f in enumerate(frames) if f[:2] == ("recv", "DATA")), len(frames))
    last_request = max((i for i, f in enumerate(frames) if f[:2] == ("send", "HEADERS")), default=len(frames))
    t.eq(sent_headers, [1, 3, 5], "three URLs: streams 1, 3 and 5 of one connection")
    t.eq(sum(1 for f in frames if f[:2] == ("send", "SETTINGS") and not f[2] & 1), 1, "three URLs: one SETTINGS of "
         "ours, one connection")
    t.ok(last_request < first_data, "three URLs: in parallel, every request sent before the first DATA came")
    files.check()

    demo = t.server("--workers", "1")
    # -v: frames both ways, the header sections beneath.
    r = h2get(t, "-v", demo.url + "hello")
    kinds = {(f[0], f[1]) for f in r.frames()}
    want = {(d, k) for d in ("send", "recv") for k in ("SETTINGS", "HEADERS")} | {("recv", "DATA")}
    t.ok(r.status == 0 and r.out == b"Hello, World!" and want <= kinds, "-v: SETTINGS and HEADERS both ways, DATA "
         "received, one line each", r.err)
    t.ok("          :status: 200" in r.err.splitlines() and "          :path: /hello" in r.err.splitlines(),
         "-v: the header sections sent and received, decoded", r.err)
    upload = t.tmpdir()
    digest, _ = write_random_file(os.path.join(upload, "up.bin"), 2)
    r = h2get(t, "-v", "-d", "@" + os.path.join(upload, "up.bin"), demo.url + "echo")
    kinds = {(f[0], f[1]) for f in r.frames()}
    t.ok(r.status == 0 and sha256(r.out) == digest and ("send", "DATA") in kinds, "-v -d @FILE to POST /echo: the "
         "2 MiB back, DATA frames sent", r.err[-2000:])

    # -O DIR: /x and its pushes; --no-push: /x alone.
    out = os.path.join(t.tmpdir(), "out")
    r = h2get(t, "-O", out, demo.url + "x")
    t.eq((r.status, r.out, saved(out)), (0, b"", SEED_DEMO), "-O DIR /x: DIR/x, and the pushed DIR/y, DIR/z")
    out = os.path.join(t.tmpdir(), "out")
    r = h2get(t, "--no-push", "-v", "-O", out, demo.url + "x")
    t.eq((r.status, files_under(out)), (0, ["x"]), "--no-push -O DIR /x: DIR/x alone")
    t.ok(not any(f[1] == "PUSH_PROMISE" for f in r.frames()), "--no-push: no PUSH_PROMISE came")
    out = os.path.join(t.tmpdir(), "out")
    r = h2get(t, "-O", out, demo.url)
    t.eq(files_under(out), ["app.js", "index.html", "style.css"], "-O DIR /: DIR/index.html, and the pushes")

    # -d: POST /sha256 and /echo, over HTTP/2 and HTTP/1.1, from a file and from the command line.
    for version in ([], ["--http1.1"]):
        label = "HTTP/1.1" if version else "HTTP/2"
        r = h2get(t, *version, "-d", "@" + os.path.join(upload, "up.bin"), demo.url + "sha256")
        t.ok(r.status == 0 and r.out.decode().strip() == digest, f"{label} -d @FILE to POST /sha256: the file's "
             "digest", r.out[:200] + r.err.encode())
        r = h2get(t, *version, "-d", "@" + os.path.join(upload, "up.bin"), demo.url + "echo")
        t.ok(r.status == 0 and sha256(r.out) == digest, f"{label} -d @FILE to POST /echo: the bytes back", r.err)
        r = h2get(t, *version, "-d", "a=1&b=2", demo.url + "echo")
        t.eq((r.status, r.out), (0, b"a=1&b=2"), f"{label} -d DATA to POST /echo")
        r = h2get(t, *version, "--fail", "-H", ":method: PUT", "-H", "X-Test: 1", "-d", "a", demo.url + "echo")
        t.ok(r.status == 22 and "405" in r.err, f"{label} -H ':method: PUT' with -d: the method PUT (405 from /echo)",
             r.err)
    r = h2get(t, "--http1.1", "-v", demo.url + "hello", demo.url + "x")
    lines = r.err.splitlines()
    t.ok(r.status == 0 and r.out == b"Hello, World!Server X Response" and "> GET /hello HTTP/1.1" in lines and
         "> GET /x HTTP/1.1" in lines and lines.count("< HTTP/1.1 200") == 2, "--http1.1 -v: two URLs one after "
         "the other, the request and response heads", r.err)

    # Exit statuses.
    r = h2get(t, "--fail", demo.url + "nope")
    t.ok(r.status == 22 and r.out == b"" and len(r.err.splitlines()) == 1 and "404" in r.err,
         "--fail and a 404: exit 22, no body, one line saying why", r.err)
    r = h2get(t, demo.url + "nope")
    t.eq((r.status, r.out), (0, b"not found\n"), "a 404 without --fail: exit 0, the body written")

    # The load mode, read as bench/run reads h2load.
    regexes = bench_regexes()
    r = h2get(t, "-n", "2000", "-c", "4", "-m", "10", demo.url + "hello")
    text = r.out.decode()
    requests = regexes["H2LOAD_REQUESTS"].search(text)
    status = regexes["H2LOAD_STATUS"].search(text)
    t.ok(r.status == 0 and requests and status and regexes["H2LOAD_FINISHED"].search(text),
         "-n 2000 -c 4 -m 10: h2load's finished, requests and status lines", text + r.err)
    if requests and status:
        t.eq(tuple(map(int, requests.groups())), (2000, 2000, 2000, 2000, 0, 0, 0), "load: all 2000 succeeded")
        t.eq(tuple(map(int, status.groups())), (2000, 0, 0, 0), "load: 2000 2xx")
    t.ok(re.search(r"^latency: p50 [\d.]+ms, p90 [\d.]+ms, p99 [\d.]+ms, max [\d.]+ms$", text, re.M),
         "load: the latency percentiles", text)
    r = h2get(t, "-n", "50", "-c", "2", "-m", "4", demo.url + "nope")
    requests = regexes["H2LOAD_REQUESTS"].search(r.out.decode())
    t.ok(r.status == 1 and requests and tuple(map(int, requests.groups()))[3:6] == (0, 50, 0),
         "load of a 404: 50 failed, none succeeded, none errored, exit 1", r.out.decode())
    demo.check()

    port = free_port()
    r = h2get(t, f"http://127.0.0.1:{port}/")
    t.ok(r.status == 1 and r.err.splitlines() == [f"h2get: http://127.0.0.1:{port}/: Connection refused"],
         "a closed port: exit 1, one line saying why", r.err)


def tls_checks(t):
    cert, key = t.certificate("localhost", "DNS:localhost,IP:127.0.0.1")
    server = t.server("--workers", "1", "--cert", cert, "--key", key)
    url = f"https://localhost:{server.port}/hello"
    r = h2get(t, "--cacert", cert, url)
    t.eq((r.status, r.out), (0, b"Hello, World!"), "TLS with --cacert: the body")
    r = h2get(t, url)
    t.ok(r.status == 1 and r.out == b"" and len(r.err.splitlines()) == 1 and "certificate" in r.err,
         "TLS, the system's CAs: the test certificate refused, exit 1, one line saying why", r.err)
    r = h2get(t, "--insecure", "--http1.1", url)
    t.eq((r.status, r.out), (0, b"Hello, World!"), "TLS --insecure --http1.1: the body")
    out = os.path.join(t.tmpdir(), "out")
    r = h2get(t, "--cacert", cert, "-O", out, f"https://localhost:{server.port}/x")
    t.eq((r.status, saved(out)), (0, SEED_DEMO), "TLS -O DIR /x: DIR/x, and the pushed DIR/y, DIR/z")
    upload = os.path.join(t.tmpdir(), "up.bin")
    digest, _ = write_random_file(upload, 3)
    for version in ([], ["--http1.1"]):
        r = h2get(t, "--cacert", cert, *version, "-d", "@" + upload, f"https://localhost:{server.port}/sha256")
        t.ok(r.status == 0 and r.out.decode().strip() == digest, f"TLS {' '.join(version)} -d @FILE of 3 MiB to "
             "POST /sha256: the file's digest", r.out[:200] + r.err.encode())
    server.check()


def nghttpd_checks(t):
    peer = start_nghttpd(t, "-p", "/x=/y,/z")
    for name in ("x", "y", "z"):
        with open(os.path.join(peer.root, name), "wb") as f:
            f.write(f"nghttpd {name}\n".encode())
    pushed = {"x": b"nghttpd x\n", "y": b"nghttpd y\n", "z": b"nghttpd z\n"}
    with peer:
        for label, url, args in (("h2c", f"http://127.0.0.1:{peer.port}/", []),
                                 ("TLS", f"https://localhost:{peer.tls_port}/", ["--cacert", peer.cert])):
            r = h2get(t, *args, url + "1mib.bin")
            t.ok(r.status == 0 and r.out == peer.body, f"nghttpd {label}: a 1 MiB file's bytes", r.err)
            out = os.path.join(t.tmpdir(), "out")
            r = h2get(t, *args, "-O", out, url + "x")
            t.eq((r.status, saved(out)), (0, pushed), f"nghttpd {label} -p /x=/y,/z: -O DIR has x and the pushed "
                 "y and z")


def h2o_checks(t):
    peer = start_h2o(t)
    if not peer:
        return
    both = peer.index + peer.body
    with peer:
        for label, url, args in (("h2c", f"http://127.0.0.1:{peer.port}/", []),
                                 ("TLS", f"https://localhost:{peer.tls_port}/", ["--cacert", peer.cert])):
            r = h2get(t, "-v", *args, url + "index.html", url + "1mib.bin")
            streams = [f[3] for f in r.frames() if f[:2] == ("send", "HEADERS")]
            t.ok(r.status == 0 and sha256(r.out) == sha256(both) and streams == [1, 3],
                 f"h2o {label}: index.html and a 1 MiB file over one connection, streams 1 and 3", r.err[-2000:])
            r = h2get(t, "--http1.1", *args, url + "index.html", url + "1mib.bin")
            t.ok(r.status == 0 and sha256(r.out) == sha256(both), f"h2o {label} --http1.1: both files, in turn",
                 r.err)


def node_checks(t):
    """The seed's example from the client side: Node's http2 server pushing /y and /z with /x, in cleartext and
    over TLS."""
    node = shutil.which("node")
    if not node:
        t.ok(True, "Node's pushes # SKIP node is not installed")
        return
    cert, key = t.certificate("localhost", "DNS:localhost")
    for label, tls in (("h2c", []), ("TLS", [cert, key])):
        proc = t.spawn([node, os.path.join(HERE, "node_push_server.js"), *tls])
        port = proc.stdout.readline().decode().strip()
        t.require(port.isdigit(), f"node_push_server.js {label} listens", port)
        url = f"https://localhost:{port}/x" if tls else f"http://127.0.0.1:{port}/x"
        out = os.path.join(t.tmpdir(), "out")
        r = h2get(t, *(["--cacert", cert] if tls else []), "-O", out, url)
        t.eq((r.status, saved(out)), (0, SEED_DEMO),
             f"Node's http2 server, {label}: -O DIR /x leaves x, and the pushed y and z")
        proc.kill()
        proc.wait()


def python_checks(t):
    root = t.tmpdir()
    digest, _ = write_random_file(os.path.join(root, "1mib.bin"), 1)
    server = python_server(root, socket.AF_INET, "127.0.0.1")
    try:
        r = h2get(t, "--http1.1", f"http://127.0.0.1:{server.server_address[1]}/1mib.bin")
        t.ok(r.status == 0 and sha256(r.out) == digest, "Python's http.server, --http1.1: a 1 MiB file's bytes",
             r.err)
    finally:
        server.shutdown()
        server.server_close()


# Push paths a hostile server promises, each meant to escape -O's DIR (the last, a name that only looks like one).
HOSTILE_PUSHES = ["../../h2get-escape", "/../../h2get-escape", "/a/../../../h2get-escape", "/./h2get-escape", "/%2e%2e/ok"]


def hostile_server():
    """A python-h2 server, one connection at a time, in a thread: GET /x is answered with pushes of
    HOSTILE_PUSHES, GET /reset with RST_STREAM INTERNAL_ERROR, GET /close by closing the connection. Returns the
    listening socket."""
    import h2.config
    import h2.connection
    import h2.events

    def serve(sock):
        config = h2.config.H2Configuration(client_side=False, validate_outbound_headers=False,
                                           normalize_outbound_headers=False, validate_inbound_headers=False)
        conn = h2.connection.H2Connection(config=config)
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        while data := sock.recv(65536):
            for event in conn.receive_data(data):
                if not isinstance(event, h2.events.RequestReceived):
                    continue
                sid, path = event.stream_id, dict(event.headers)[b":path"]
                if path == b"/reset":
                    conn.reset_stream(sid, error_code=2)
                    continue
                if path == b"/close":
                    sock.close()
                    return
                for push_path in HOSTILE_PUSHES:
                    pushed = conn.get_next_available_stream_id()
                    conn.push_stream(sid, pushed, [(":method", "GET"), (":scheme", "http"),
                                                   (":authority", "127.0.0.1"), (":path", push_path)])
                    conn.send_headers(pushed, [(":status", "200")])
                    conn.send_data(pushed, b"escaped", end_stream=True)
                conn.send_headers(sid, [(":status", "200")])
                conn.send_data(sid, b"hostile x", end_stream=True)
            sock.sendall(conn.data_to_send())
        sock.close()

    return thread_server(serve)


def hostile_checks(t):
    need_python_h2()
    listener = hostile_server()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    top = t.tmpdir()
    os.makedirs(os.path.join(top, "a", "b"))
    out = os.path.join(top, "a", "b", "out")
    r = h2get(t, "-O", out, url + "x")
    t.eq(files_under(top), ["a/b/out/%2e%2e/ok", "a/b/out/x"], "hostile pushes: nothing written outside DIR, "
         "the climbing paths refused (%2e%2e is a name, not ..)")
    t.ok(r.status == 0 and read(os.path.join(out, "x")) == b"hostile x", "hostile pushes: /x saved, exit 0", r.err)
    t.eq(sorted(line for line in r.err.splitlines() if "refused" in line),
         sorted(f"h2get: push {p} refused: not a file name under {out}" for p in HOSTILE_PUSHES[1:4]),
         "hostile pushes: each refusal said (../../h2get-escape, no path at all, the engine's own to refuse)")
    r = h2get(t, url + "reset")
    t.ok(r.status == 1 and r.err.splitlines() == [f"h2get: {url}reset: stream reset (INTERNAL_ERROR)"],
         "a stream reset by the server: exit 1, one line saying why", r.err)
    r = h2get(t, url + "close", url + "x")
    t.ok(r.status == 1 and r.err.splitlines() == [f"h2get: {url}close: the connection ended before the responses"],
         "the connection closed by the server: exit 1, one line saying why", r.err)
    listener.close()


def usage_checks(t):
    r = h2get(t, "--help")
    with open(os.path.join(HERE, "..", "..", "apps", "h2get.c"), encoding="utf-8") as f:
        taken = re.findall(r'\{"([\w.-]+)", (?:no|required)_argument', f.read())
    t.ok(r.status == 0 and len(taken) > 10 and all(re.search(rf"--{re.escape(o)}\b", r.out.decode()) for o in taken),
         f"--help: exit 0, each of the {len(taken)} long options told", r.out.decode())
    for args, what in (([], "no URL"), (["http://a/", "http://b/"], "URLs of two origins"),
                       (["-n", "5", "-v", "http://a/"], "-v in load mode"), (["--bogus", "http://a/"], "an unknown option")):
        r = h2get(t, *args)
        t.eq(r.status, 2, f"{what}: exit 2")


def main(t):
    usage_checks(t)
    h2serve_checks(t)
    tls_checks(t)
    nghttpd_checks(t)
    h2o_checks(t)
    node_checks(t)
    python_checks(t)
    hostile_checks(t)


if __name__ == "__main__":
    H2GET = os.path.abspath(sys.argv.pop(2))
    run(main, timeout=150)
