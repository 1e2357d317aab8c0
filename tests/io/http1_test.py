"""h2serve's HTTP/1.1 (Node's allowHTTP1, on by default) with real clients: curl, h2load --h1, and raw sockets.

Checked, in cleartext unless said otherwise:
- curl --http1.1: the demo site (/hello's headers, HEAD, 404, /x without its pushes); --root: 1 MiB and 100 MiB
  downloads by sha256, Range (206, 416), If-None-Match (304), If-Match (412);
- keep-alive: curl reusing one connection for two URLs; raw: requests in turn on one socket (HEAD and 304 in
  between, whose responses have no body), Connection: close, HTTP/1.0 with and without keep-alive;
- pipelining: 10 requests in one send, and the same bytes split at random places, answered in order;
  h2load --h1 -m 10;
- request bodies (the demo answers a POST with 405): Content-Length and chunked (oddly split, chunk extensions,
  a trailer section), each holding what looks like a request, which must not be answered; Expect: 100-continue
  raw and with curl --data-binary of 2 MiB;
- chunked responses, if some demo response has no content-length (probed over HTTP/2 first);
- bad input: 431, 414, 400 (control character in the target, no Host, Content-Length with Transfer-Encoding, two
  Content-Lengths, bare LF, obs-fold, space before the colon), 501 (a 33-byte method, gzip transfer coding),
  505 (HTTP/1.2): each answered with its status and connection: close, then the connection closed. A bad
  request line that opens a cleartext connection is no HTTP/1 request line to the detector (an invalid HTTP/2
  preface, see below), so those are sent after a good request; over TLS they open the connection;
- cleartext detection: bytes that are neither HTTP/1 nor the HTTP/2 preface get GOAWAY PROTOCOL_ERROR and a
  close (RFC 9113 §3.4), as does an HTTP/1.1 request with --no-http1; prior-knowledge HTTP/2 on the same port;
  an h2c Upgrade offer is answered;
- slow clients: a request sent a byte at a time is served; a silent client and a partial request line are
  dropped after --handshake-timeout 1;
- over TLS: curl --http1.1 (ALPN http/1.1), a client without ALPN, a bad first request line (400: no detection
  over TLS);
- the server still answers both protocols after all that, closes an idle keep-alive connection on SIGTERM and
  exits 0, with no sanitizer report (the fixture).
"""

import hashlib
import os
import random
import re
import signal
import socket
import ssl
import time

from h2serve_fixture import need_tool, run, write_random_file

CURL = need_tool("curl")
H2LOAD = need_tool("h2load")

MiB = 1 << 20
TIMEOUT = 5
HELLO = b"Hello, World!"
# The demo site's bodies (/, which differs, left out); over HTTP/1.1 /x comes without the pushes of /y and /z.
DEMO = {
    "/hello": HELLO,
    "/x": b"Server X Response",
    "/y": b"Server Y Response",
    "/z": b"Server Z Response",
    "/style.css": b"body { font-family: sans-serif; margin: 2em; }\n",
    "/app.js": b"console.log('pushed by h2ring');\n",
}
NOT_FOUND, NOT_ALLOWED = b"not found\n", b"method not allowed\n"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
GOAWAY, PROTOCOL_ERROR = 0x7, 0x1
REQUESTS = re.compile(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                      r"(\d+) errored, (\d+) timeout$", re.M)


def skip(t, desc, reason):
    """A check that does not apply here: a TAP skip with its reason."""
    t.ok(True, f"{desc} # SKIP {reason}")


# --- requests and responses on raw sockets ------------------------------------------------------------------------

def request(method, target, *fields, version="HTTP/1.1", host="127.0.0.1", body=b""):
    """A request's bytes: the request line, Host (unless host is None), the fields ("Name: value"), the body."""
    lines = [f"{method} {target} {version}"] + ([f"Host: {host}"] if host is not None else []) + list(fields)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def get(target, *fields, **kwargs):
    return request("GET", target, *fields, **kwargs)


class Response:
    """One HTTP/1.x response: version, status, reason, headers (lowercase names, in order), body, trailers."""

    def __init__(self, version, status, reason, headers):
        self.version, self.status, self.reason, self.headers = version, status, reason, headers
        self.body, self.trailers, self.chunked = b"", [], False

    def get(self, name):
        """The first value of a header (name in lowercase), or None."""
        return next((v for n, v in self.headers if n == name), None)

    def connection(self):
        """The Connection options, in lowercase."""
        return {o.strip().lower() for n, v in self.headers if n == "connection" for o in v.split(",")}

    def __repr__(self):
        return f"<{self.version} {self.status} {self.reason} {self.headers} body {self.body[:120]!r}>"


class Conn:
    """A client connection (cleartext, or TLS with a context) with a receive buffer; every read is bounded. A
    failed read returns None and says why in self.error."""

    def __init__(self, port, tls=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls:
            self.sock = tls.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""
        self.error = None

    def close(self):
        self.sock.close()

    def send(self, data):
        """Sends all of data; False (and self.error) if the server closed the connection first."""
        try:
            self.sock.sendall(data)
            return True
        except OSError as e:
            self.error = f"send: {e!r}"
            return False

    def send_split(self, data, rng, most=40, pause=0.005):
        """Sends data in pieces of 1 to most bytes at random places, with a short pause after each."""
        pos = 0
        while pos < len(data):
            n = rng.randint(1, most)
            if not self.send(data[pos:pos + n]):
                return False
            pos += n
            time.sleep(rng.uniform(0, pause))
        return True

    def _fill(self, deadline):
        """Receives more into the buffer; False at the end of the connection or the deadline (self.error)."""
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            self.error = f"timeout, {len(self.buf)} bytes unread: {self.buf[:300]!r}"
            return False
        except (ConnectionResetError, ssl.SSLError) as e:
            self.error = f"connection ended ({e!r}), {len(self.buf)} bytes unread: {self.buf[:300]!r}"
            return False
        if not data:
            self.error = f"connection closed, {len(self.buf)} bytes unread: {self.buf[:300]!r}"
            return False
        self.buf += data
        return True

    def _line(self, deadline, limit=65536):
        while b"\r\n" not in self.buf:
            if len(self.buf) > limit or not self._fill(deadline):
                return None
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                return None
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _fields(self, deadline):
        fields = []
        while (line := self._line(deadline)) is not None:
            if not line:
                return fields
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                self.error = f"not a field line: {line!r}"
                return None
            fields.append((name.strip().lower(), value.strip()))
        return None

    def read_response(self, head=False, timeout=TIMEOUT):
        """The next response (an interim 1xx one too), its body framed by content-length, chunked or the end of
        the connection; no body for HEAD (head=True), 1xx, 204 and 304. None if it does not come whole."""
        deadline = time.monotonic() + timeout
        line = self._line(deadline)
        if line is None:
            return None
        m = re.fullmatch(rb"(HTTP/\d\.\d) (\d{3}) ?(.*)", line)
        if not m:
            self.error = f"not a status line: {line[:300]!r} (then {self.buf[:200]!r})"
            return None
        headers = self._fields(deadline)
        if headers is None:
            return None
        resp = Response(m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1"), headers)
        if head or resp.status < 200 or resp.status in (204, 304):
            return resp
        if "chunked" in (resp.get("transfer-encoding") or "").lower():
            return self._chunked(resp, deadline)
        length = resp.get("content-length")
        if length is not None:
            body = self._take(int(length), deadline)
            if body is None:
                return None
            resp.body = body
            return resp
        # Neither: the body ends with the connection (an HTTP/1.0 style response).
        while self._fill(deadline):
            pass
        if not self.error.startswith(("connection closed", "connection ended")):
            return None
        resp.body, self.buf = self.buf, b""
        return resp

    def _chunked(self, resp, deadline):
        resp.chunked = True
        body = b""
        while True:
            line = self._line(deadline)
            if line is None:
                return None
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                break
            data = self._take(size + 2, deadline)
            if data is None:
                return None
            if data[-2:] != b"\r\n":
                self.error = f"chunk data not followed by CRLF: {data[-20:]!r}"
                return None
            body += data[:-2]
        trailers = self._fields(deadline)
        if trailers is None:
            return None
        resp.body, resp.trailers = body, trailers
        return resp

    def wait_close(self, timeout=TIMEOUT):
        """How the connection goes on: "closed" (FIN or reset) with nothing more, "timeout" if it stays open
        and silent, or "data: ..." if more bytes come."""
        deadline = time.monotonic() + timeout
        if self.buf:
            return f"data: {self.buf[:300]!r}"
        while self._fill(deadline):
            pass
        if self.buf:
            return f"data: {self.buf[:300]!r}"
        return "timeout" if self.error.startswith("timeout") else "closed"

    def read_to_eof(self, timeout=TIMEOUT):
        """All that arrives until the connection ends: (bytes, "closed" | "timeout")."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        data, self.buf = self.buf, b""
        return data, "timeout" if self.error.startswith("timeout") else "closed"


def exchange(port, data, head=False, tls=None):
    """Sends data on a new connection and reads one response: (the connection, the response or None)."""
    conn = Conn(port, tls)
    conn.send(data)
    return conn, conn.read_response(head=head)


def next_or_closed(t, conn, resp, label):
    """After a response to a request with a body: if it said connection: close, the server closes; else the
    connection carries the next request, whose response comes next (the body was skipped, not taken for a
    request)."""
    if "close" in resp.connection():
        t.eq(conn.wait_close(), "closed", f"{label}: the response says connection: close, and the server closes")
        return
    conn.send(get("/hello"))
    nxt = conn.read_response()
    t.ok(nxt and (nxt.status, nxt.body) == (200, HELLO),
         f"{label}: the connection stays up, and GET /hello after it is answered next", nxt or conn.error)


# --- HTTP/2 frames, for what the detector turns away --------------------------------------------------------------

def parse_frames(data):
    """HTTP/2 frames from the start of data: ([(type, flags, stream, payload)], the bytes left that are no whole
    frame)."""
    frames = []
    while len(data) >= 9:
        length = int.from_bytes(data[:3], "big")
        if len(data) < 9 + length:
            break
        frames.append((data[3], data[4], int.from_bytes(data[5:9], "big") & 0x7FFFFFFF, data[9:9 + length]))
        data = data[9 + length:]
    return frames, data


def expect_goaway(t, port, label, payload):
    """payload opens a connection: the answer is HTTP/2 frames ending in GOAWAY PROTOCOL_ERROR (SETTINGS may come
    first), then the server closes."""
    conn = Conn(port)
    conn.send(payload)
    data, how = conn.read_to_eof()
    conn.close()
    frames, rest = parse_frames(data)
    goaways = [f for f in frames if f[0] == GOAWAY]
    code = int.from_bytes(goaways[0][3][4:8], "big") if goaways and len(goaways[0][3]) >= 8 else None
    t.ok(code == PROTOCOL_ERROR and not rest, f"{label}: answered with HTTP/2 frames, GOAWAY PROTOCOL_ERROR",
         f"got {data[:400]!r}")
    t.eq(how, "closed", f"{label}: then the server closes the connection")


# --- clients ------------------------------------------------------------------------------------------------------

def curl(t, url, *extra, version="1.1"):
    """One request with curl on a new connection: (status, body, headers, stderr), or None if curl failed or the
    HTTP version is not version (the failure is reported). -k for https; stderr holds -v's output if asked."""
    out = t.tmpdir()
    flag = {"1.1": "--http1.1", "2": "--http2-prior-knowledge"}[version]
    args = [CURL, flag, "-k", "-sS", "--max-time", "10", "--path-as-is", "-D", os.path.join(out, "head"),
            "-o", os.path.join(out, "body"), "-w", "%{http_code} %{http_version}", *extra, url]
    result = t.client(args, timeout=20)
    label = f"curl {flag} {' '.join(extra)} {url}".replace("  ", " ")
    stderr = result.stderr.decode("latin-1")
    if not t.ok(result.returncode == 0, f"{label} succeeds", f"exit {result.returncode}: {stderr[-2000:]}"):
        return None
    code, got_version = result.stdout.decode().split()
    if not t.eq(got_version, version, f"{label}: answered over HTTP/{version}"):
        return None
    headers, body = t.curl_output(out, extra)
    return int(code), body, headers, stderr


def tls_context(alpn):
    """A Python TLS client context that accepts any certificate, offering alpn (None: no ALPN extension)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


# --- 1. curl --http1.1 ----------------------------------------------------------------------------------------------

def curl_demo(t, server):
    base = server.url
    got = curl(t, base + "hello")
    if got:
        code, body, headers, _ = got
        t.eq((code, body), (200, HELLO), "curl --http1.1 GET /hello: 200 Hello, World!")
        t.eq(headers.get("content-length"), "13", "curl --http1.1 GET /hello: content-length 13")
        t.eq(headers.get("content-type"), "text/plain", "curl --http1.1 GET /hello: content-type text/plain")
        t.ok(re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", headers.get("date", "")),
             "curl --http1.1 GET /hello: a date header", headers)
    got = curl(t, base + "hello", "--head")
    if got:
        code, body, headers, _ = got
        t.eq((code, body, headers.get("content-length")), (200, b"", "13"),
             "curl --http1.1 HEAD /hello: 200, no body, the content-length GET would have")
    got = curl(t, base + "no/such/thing")
    if got:
        t.eq(got[:2], (404, NOT_FOUND), "curl --http1.1 GET /no/such/thing: 404 not found")
    got = curl(t, base + "x")
    if got:
        t.eq(got[:2], (200, DEMO["/x"]), "curl --http1.1 GET /x: 200, the page without its HTTP/2 pushes")


def make_root(t):
    """A document root with a small file, 1 MiB and 100 MiB of random bytes: (root, {name: (size, sha256)},
    {name: bytes kept for Range checks})."""
    root = t.tmpdir()
    with open(os.path.join(root, "small.txt"), "wb") as f:
        f.write(b"small file\n")
    one = os.urandom(MiB)
    with open(os.path.join(root, "1mib.bin"), "wb") as f:
        f.write(one)
    digest, piece = write_random_file(os.path.join(root, "100mib.bin"), 100)
    files = {"1mib.bin": (MiB, hashlib.sha256(one).hexdigest()), "100mib.bin": (100 * MiB, digest)}
    return root, files, {"1mib.bin": one, "100mib.bin tail": piece}


def curl_files(t):
    """--root over HTTP/1.1: downloads by sha256, Range, conditional requests."""
    root, files, kept = make_root(t)
    server = t.server("--root", root)
    for name, (size, digest) in files.items():
        label = f"curl --http1.1 /{name}"
        started = time.monotonic()
        got = t.stream_download([CURL, "--http1.1", "-sS", "--max-time", "60", "-o", "-", server.url + name], 70)
        if got is None:
            continue
        status, n, got_digest, stderr = got
        t.diag(f"{label}: {n} bytes in {time.monotonic() - started:.1f} s")
        t.ok(status == 0, f"{label}: exits 0", stderr)
        t.eq((n, got_digest), (size, digest), f"{label}: {size} bytes, the file's sha256")

    for name, first, last, want in (("1mib.bin", 1000, 1999, kept["1mib.bin"][1000:2000]),
                                    ("100mib.bin", 100 * MiB - 1000, 100 * MiB - 1, kept["100mib.bin tail"][-1000:])):
        got = curl(t, server.url + name, "-r", f"{first}-{last}")
        if got:
            code, body, headers, _ = got
            t.eq((code, headers.get("content-range")), (206, f"bytes {first}-{last}/{files[name][0]}"),
                 f"HTTP/1.1 Range {first}-{last} of /{name}: 206, content-range")
            t.ok(body == want, f"HTTP/1.1 Range {first}-{last} of /{name}: the right {len(want)} bytes",
                 f"got {len(body)} bytes")
    got = curl(t, server.url + "1mib.bin", "-r", f"{2 * MiB}-")
    if got:
        t.eq((got[0], got[2].get("content-range")), (416, f"bytes */{MiB}"),
             "HTTP/1.1 Range past the end of /1mib.bin: 416, content-range bytes */size")

    got = curl(t, server.url + "small.txt")
    etag = got[2].get("etag") if got else None
    if not t.ok(etag, "HTTP/1.1 GET /small.txt: an etag", got and got[2]):
        server.check()
        return
    got = curl(t, server.url + "small.txt", "-H", f"If-None-Match: {etag}")
    if got:
        t.eq((got[0], got[1]), (304, b""), "HTTP/1.1 If-None-Match with the etag: 304, no body")
    got = curl(t, server.url + "small.txt", "-H", 'If-Match: "not-the-etag"')
    if got:
        t.eq(got[0], 412, "HTTP/1.1 If-Match with another etag: 412")

    # Responses without a body in the middle of a connection: the next response must start right after them.
    conn = Conn(server.port)
    conn.send(get("/small.txt", f"If-None-Match: {etag}") + request("HEAD", "/1mib.bin") +
              get("/small.txt", "Range: bytes=0-4") + get("/small.txt"))
    got = [conn.read_response(), conn.read_response(head=True), conn.read_response(), conn.read_response()]
    conn.close()
    t.eq([(r.status, r.body) if r else conn.error for r in got],
         [(304, b""), (200, b""), (206, b"small"), (200, b"small file\n")],
         "one connection: 304, HEAD of 1 MiB, 206 and 200 each answered in turn, bodies where they belong")
    server.check()


# --- 2. keep-alive ------------------------------------------------------------------------------------------------

def keep_alive(t, server):
    port = server.port
    out = t.tmpdir()
    result = t.client([CURL, "--http1.1", "-sS", "--max-time", "10", "-o", os.path.join(out, "1"),
                       "-o", os.path.join(out, "2"), "-w", "%{http_code} %{num_connects}\n",
                       server.url + "hello", server.url + "y"], timeout=20)
    t.eq((result.returncode, result.stdout.decode()), (0, "200 1\n200 0\n"),
         "curl --http1.1 with two URLs: both 200, one connection made, reused for the second",
         )
    if result.returncode:
        t.diag(result.stderr.decode("latin-1"))
    bodies = [open(os.path.join(out, n), "rb").read() if os.path.exists(os.path.join(out, n)) else None
              for n in "12"]
    t.eq(bodies, [HELLO, DEMO["/y"]], "curl --http1.1 with two URLs: both bodies")

    conn = Conn(port)
    answers = []
    for path in ("/hello", "/x", "/no/such/thing"):
        conn.send(get(path))
        answers.append(conn.read_response())
    conn.send(request("HEAD", "/hello"))
    answers.append(conn.read_response(head=True))
    conn.send(get("/z"))
    answers.append(conn.read_response())
    t.eq([(r.status, r.body) if r else conn.error for r in answers],
         [(200, HELLO), (200, DEMO["/x"]), (404, NOT_FOUND), (200, b""), (200, DEMO["/z"])],
         "one connection, requests in turn: GET /hello, /x, a 404, HEAD /hello, GET /z all answered")
    head = answers[3]
    t.eq(head and head.get("content-length"), "13", "HEAD /hello on a kept-alive connection: content-length 13")
    t.ok(all(r and "close" not in r.connection() for r in answers), "none of them says connection: close")
    t.eq(conn.wait_close(0.5), "timeout", "the connection stays open after them")
    conn.close()

    conn, resp = exchange(port, get("/hello", "Connection: close"))
    t.ok(resp and (resp.status, resp.body) == (200, HELLO) and "close" in resp.connection(),
         "Connection: close: 200, and the response says connection: close", resp or conn.error)
    t.eq(conn.wait_close(), "closed", "Connection: close: the server closes after the response")
    conn.close()

    conn, resp = exchange(port, get("/hello", version="HTTP/1.0", host=None))
    t.ok(resp and (resp.status, resp.body) == (200, HELLO), "HTTP/1.0 without Host or keep-alive: 200 Hello",
         resp or conn.error)
    t.eq(resp and resp.version, "HTTP/1.1", "HTTP/1.0 request: the status line says HTTP/1.1 (RFC 9110 §6.2)")
    t.eq(conn.wait_close(), "closed", "HTTP/1.0 without keep-alive: the server closes after the response")
    conn.close()

    conn, resp = exchange(port, get("/hello", "Connection: keep-alive", version="HTTP/1.0"))
    t.ok(resp and (resp.status, resp.body) == (200, HELLO), "HTTP/1.0 with Connection: keep-alive: 200 Hello",
         resp or conn.error)
    # An HTTP/1.0 client takes the connection for closed unless the response says keep-alive (RFC 9112 §9.3).
    t.ok(resp and "keep-alive" in resp.connection(), "HTTP/1.0 with keep-alive: the response says "
         "connection: keep-alive", resp)
    conn.send(get("/y", "Connection: keep-alive", version="HTTP/1.0"))
    resp = conn.read_response()
    t.ok(resp and (resp.status, resp.body) == (200, DEMO["/y"]),
         "HTTP/1.0 with keep-alive: the connection stays open for a second request", resp or conn.error)
    conn.close()

    # The absolute form must be accepted from any client (RFC 9112 §3.2.2).
    conn, resp = exchange(port, get(f"http://127.0.0.1:{port}/hello"))
    t.ok(resp and (resp.status, resp.body) == (200, HELLO), "GET http://127.0.0.1:PORT/hello (absolute form): 200",
         resp or conn.error)
    conn.close()


# --- 3. pipelining ------------------------------------------------------------------------------------------------

PIPELINE = [("GET", "/hello"), ("GET", "/x"), ("GET", "/y"), ("HEAD", "/z"), ("GET", "/no/such/thing"),
            ("GET", "/hello?n=2"), ("GET", "/style.css"), ("GET", "/app.js"), ("POST", "/z"), ("GET", "/z")]


def pipelined_answers(conn):
    """The responses to PIPELINE, as (status, body), or the reader's error where one did not come."""
    got = []
    for method, _ in PIPELINE:
        r = conn.read_response(head=method == "HEAD")
        got.append((r.status, r.body) if r else conn.error)
        if not r:
            break
    return got


def demo_answer(method, path):
    """(status, body) the demo site answers method and path with."""
    if method not in ("GET", "HEAD"):
        return 405, NOT_ALLOWED
    body = DEMO.get(path.split("?")[0])
    if body is None:
        return 404, NOT_FOUND
    return 200, b"" if method == "HEAD" else body


def pipelining(t, server, rng, seed):
    want = [demo_answer(m, p) for m, p in PIPELINE]
    data = b"".join(request(m, p, *(["Content-Length: 0"] if m == "POST" else [])) for m, p in PIPELINE)

    conn = Conn(server.port)
    conn.send(data)
    t.eq(pipelined_answers(conn), want, "10 pipelined requests in one send: 10 responses, in order")
    t.eq(conn.wait_close(0.5), "timeout", "pipelined requests: nothing more, and the connection stays open")
    conn.close()

    conn = Conn(server.port)
    conn.send_split(data, rng)
    got = pipelined_answers(conn)
    if not t.eq(got, want, "the same 10 requests split at random places, with pauses: 10 responses, in order"):
        t.diag(f"random seed {seed}")
    conn.close()

    requests = 1000
    label = f"h2load --h1 -n {requests} -c 10 -m 10 /hello"
    # -T and -N: a stalled connection ends the run with errors instead of hanging it.
    result = t.client([H2LOAD, "--h1", "-n", str(requests), "-c", "10", "-m", "10", "-T", "10", "-N", "10",
                       server.url + "hello"], timeout=60)
    out = result.stdout.decode("latin-1")
    m = REQUESTS.search(out)
    t.ok(m and int(m.group(4)) == requests and result.returncode == 0, f"{label}: all {requests} succeeded",
         f"exit {result.returncode}\n{out[:3000]}")


# --- 4. request bodies --------------------------------------------------------------------------------------------

def chunked(*pieces):
    """A chunked body of pieces: (chunk extension or "", data) pairs, then the last chunk and a trailer field."""
    out = b""
    for ext, data in pieces:
        out += f"{len(data):X}{ext}\r\n".encode() + data + b"\r\n"
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


def request_bodies(t, server, rng, seed):
    port = server.port
    # Each body holds a request of its own: answering it would mean the body was read as the next request.
    smuggled = get("/y")

    conn, resp = exchange(port, request("POST", "/hello", f"Content-Length: {len(smuggled)}", body=smuggled))
    t.ok(resp and (resp.status, resp.body, resp.get("allow")) == (405, NOT_ALLOWED, "GET, HEAD"),
         "POST /hello with Content-Length: 405, allow GET, HEAD (as over HTTP/2)", resp or conn.error)
    if resp:
        next_or_closed(t, conn, resp, "POST with Content-Length")
    conn.close()

    body = chunked((";ext=1", b"hello "), ("", smuggled), (';name="quoted value"', b"x" * 300), ("", b"!"))
    conn = Conn(port)
    conn.send_split(request("POST", "/hello", "Transfer-Encoding: chunked", body=body), rng, most=7)
    resp = conn.read_response()
    if not t.ok(resp and (resp.status, resp.body) == (405, NOT_ALLOWED),
                "POST /hello chunked, split oddly, extensions and a trailer: 405", resp or conn.error):
        t.diag(f"random seed {seed}")
    if resp:
        next_or_closed(t, conn, resp, "POST chunked")
    conn.close()

    # A body big enough to need many reads, sent whole while the server may have answered already.
    big = b"b" * MiB
    conn = Conn(port)
    sent = conn.send(request("POST", "/hello", f"Content-Length: {len(big)}", body=big))
    resp = conn.read_response()
    t.ok(resp and resp.status == 405, "POST /hello with a 1 MiB body: 405", resp or conn.error)
    if resp:
        if sent or "close" in resp.connection():
            next_or_closed(t, conn, resp, "POST of 1 MiB")
        else:
            t.fail("POST of 1 MiB: the server takes the whole body unless it says connection: close", conn.error)
    conn.close()

    expect_continue(t, port)
    curl_upload(t, server)


def expect_continue(t, port):
    """Expect: 100-continue: the server answers the head without waiting for the body, with 100 Continue or at once
    with the final status (RFC 9110 §10.1.1 allows both)."""
    body = b"e" * 100000
    conn = Conn(port)
    conn.send(request("POST", "/hello", f"Content-Length: {len(body)}", "Expect: 100-continue"))
    first = conn.read_response(timeout=3)
    if not t.ok(first, "Expect: 100-continue: an answer within 3 s without the body (100 Continue or the final "
                "status)", conn.error):
        conn.close()
        return
    if first.status == 100:
        t.diag("Expect: 100-continue answered with 100 Continue")
        t.eq((first.version, first.reason, first.headers), ("HTTP/1.1", "Continue", []),
             'Expect: 100-continue: exactly "HTTP/1.1 100 Continue\\r\\n\\r\\n"')
        conn.send(body)
        final = conn.read_response()
    else:
        t.diag(f"Expect: 100-continue answered at once with {first.status}, without 100 Continue")
        final = first
        conn.send(body)  # the client may send it all the same; the server skips it or has said close
    t.ok(final and (final.status, final.body) == (405, NOT_ALLOWED), "Expect: 100-continue: then the final 405",
         final or conn.error)
    if final:
        next_or_closed(t, conn, final, "Expect: 100-continue")
    conn.close()


def curl_upload(t, server):
    """curl --data-binary of 2 MiB: curl sends Expect: 100-continue for bodies over 1 MiB, and waits up to
    --expect100-timeout for an answer before sending the body anyway."""
    path = os.path.join(t.tmpdir(), "upload.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(2 * MiB))
    started = time.monotonic()
    got = curl(t, server.url + "hello", "-v", "--expect100-timeout", "10", "--data-binary", f"@{path}")
    seconds = time.monotonic() - started
    if not got:
        return
    code, body, headers, stderr = got
    t.eq((code, body), (405, NOT_ALLOWED), "curl --http1.1 --data-binary of 2 MiB to /hello: 405")
    t.ok("> Expect: 100-continue" in stderr, "curl --data-binary of 2 MiB: curl sent Expect: 100-continue",
         stderr[-2000:])
    t.ok(seconds < 5, f"curl --data-binary of 2 MiB: the server answered the Expect at once ({seconds:.1f} s, "
         "curl would wait 10)")
    t.diag("curl saw " + ("HTTP/1.1 100 Continue" if "< HTTP/1.1 100 Continue" in stderr else "no 100 Continue"))


# --- 5. chunked responses -----------------------------------------------------------------------------------------

def chunked_responses(t, server):
    """Over HTTP/2, which demo responses have no content-length; those must come chunked over HTTP/1.1 (and end
    with the connection over HTTP/1.0)."""
    probes = [("GET", p) for p in ["/"] + list(DEMO) + ["/no/such/thing"]] + [("POST", "/hello")]
    without, failed = [], []
    for method, path in probes:
        extra = ["--data-binary", "x"] if method == "POST" else []
        result = t.client([CURL, "--http2-prior-knowledge", "-sS", "--max-time", "10", "-D", "-", "-o", os.devnull,
                           *extra, server.url.rstrip("/") + path], timeout=20)
        head = result.stdout.decode("latin-1").lower()
        if result.returncode or not head.startswith("http/2 "):
            failed.append(f"{method} {path}: exit {result.returncode} {result.stderr.decode('latin-1')}")
        elif "\r\ncontent-length:" not in head:
            without.append((method, path))
    if not t.ok(not failed, f"HTTP/2 probes of {len(probes)} demo responses for their content-length",
                "\n".join(failed)):
        return
    if not without:
        skip(t, "HTTP/1.1 responses of unknown length come chunked",
             f"every demo response has a content-length over HTTP/2 ({len(probes)} probed)")
        return
    for method, path in without:
        body = b"x" if method == "POST" else b""
        h2 = t.client([CURL, "--http2-prior-knowledge", "-sS", "--max-time", "10", "-o", "-",
                       *(["--data-binary", "x"] if body else []), server.url.rstrip("/") + path], timeout=20).stdout
        fields = [f"Content-Length: {len(body)}"] if body else []
        conn, resp = exchange(server.port, request(method, path, *fields, body=body))
        t.ok(resp and resp.chunked and resp.body == h2, f"HTTP/1.1 {method} {path} (no content-length over HTTP/2): "
             "chunked, the same body", resp or conn.error)
        conn.close()
        conn, resp = exchange(server.port, request(method, path, *fields, version="HTTP/1.0", body=body))
        t.ok(resp and not resp.chunked and resp.body == h2, f"HTTP/1.0 {method} {path}: not chunked, the body ends "
             "with the connection", resp or conn.error)
        conn.close()


# --- 6. bad input -------------------------------------------------------------------------------------------------

BAD_HEADS = [
    # (what, the bytes, the status)
    ("a header section over 16 KiB", get("/hello", "X-Big: " + "a" * 20000), 431),
    ("a request line over 8 KiB", get("/" + "a" * 9000), 414),
    ("HTTP/1.1 without Host", get("/hello", host=None), 400),
    ("Content-Length with Transfer-Encoding",
     request("POST", "/hello", "Content-Length: 5", "Transfer-Encoding: chunked", body=b"5\r\nhello\r\n0\r\n\r\n"),
     400),
    ("two different Content-Lengths",
     request("POST", "/hello", "Content-Length: 5", "Content-Length: 6", body=b"hello!"), 400),
    ("Transfer-Encoding: gzip, chunked", request("POST", "/hello", "Transfer-Encoding: gzip, chunked",
                                                 body=b"0\r\n\r\n"), 501),
    ("HTTP/1.2", get("/hello", version="HTTP/1.2"), 505),
    ("a bare LF ending a field line", b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\n\r\n", 400),
    ("obs-fold", get("/hello", "X-Folded: a", " b"), 400),
    ("whitespace before a field's colon", get("/hello", "X-Space : a"), 400),
]
# Bad request lines: the cleartext detector takes them for no HTTP/1 request (section 7), so they come second,
# after a good request on the same connection.
BAD_LINES = [
    ("a control character in the target", b"GET /\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
    ("a 33-character method", request("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG", "/hello"), 501),
    ("bare LF line endings", b"GET /hello HTTP/1.1\nHost: 127.0.0.1\n\n", 400),
    ("two spaces after the method", b"GET  /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
]


def bad_input(t, port, label, payload, status, after_good=False, tls=None):
    """payload gets status with connection: close, then the server closes the connection."""
    conn = Conn(port, tls)
    if after_good:
        conn.send(get("/hello"))
        first = conn.read_response()
        if not t.ok(first and first.status == 200, f"{label}: the good request before it is answered",
                    first or conn.error):
            conn.close()
            return
    conn.send(payload)
    resp = conn.read_response()
    t.ok(resp and resp.status == status and "close" in resp.connection(),
         f"{label}: {status} with connection: close", resp or conn.error)
    t.eq(conn.wait_close(), "closed", f"{label}: then the server closes the connection")
    conn.close()


def bad_inputs(t, server):
    for label, payload, status in BAD_HEADS:
        bad_input(t, server.port, label, payload, status)
    for label, payload, status in BAD_LINES:
        bad_input(t, server.port, f"{label}, after a good request", payload, status, after_good=True)
    # A long method that fits the parser's limit (32) is no error of the request: the demo turns it away as
    # any method but GET and HEAD, and the connection goes on.
    conn, resp = exchange(server.port, request("ABCDEFGHIJKLMNOPQRST", "/hello"))
    t.ok(resp and resp.status == 405 and "close" not in resp.connection(),
         "a 20-character method (within the parser's 32): the demo's 405, the connection kept", resp or conn.error)
    conn.close()


# --- 7. cleartext detection ---------------------------------------------------------------------------------------

def detection(t, server):
    port = server.port
    expect_goaway(t, port, '"HELLO WORLD\\r\\n\\r\\n"', b"HELLO WORLD\r\n\r\n")
    rng = random.Random(7)
    expect_goaway(t, port, "random binary", b"\x00" + rng.randbytes(200))
    expect_goaway(t, port, "a TLS ClientHello to the cleartext port", bytes.fromhex("16030102000100 01fc0303")
                  + rng.randbytes(32))
    expect_goaway(t, port, "a bad request line opening the connection", b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n")
    expect_goaway(t, port, "the HTTP/2 preface with a wrong last byte", PREFACE[:-1] + b"X")

    got = curl(t, server.url + "hello", version="2")
    t.ok(got and got[:2] == (200, HELLO), "the same port: curl --http2-prior-knowledge GET /hello is 200")

    # curl --http2 in cleartext offers an h2c upgrade in an HTTP/1.1 request; RFC 9113 deprecates it, but the
    # request must be answered, whether upgraded or not.
    result = t.client([CURL, "--http2", "-sS", "--max-time", "10", "-w", " %{http_code} %{http_version}",
                       server.url + "hello"], timeout=20)
    out = result.stdout.decode("latin-1")
    t.ok(result.returncode == 0 and out in ("Hello, World! 200 1.1", "Hello, World! 200 2"),
         "curl --http2 (an h2c Upgrade offer): 200 Hello", f"{out!r} {result.stderr.decode('latin-1')}")


def no_http1(t):
    server = t.server("--no-http1")
    expect_goaway(t, server.port, "--no-http1: an HTTP/1.1 request", get("/hello"))
    got = curl(t, server.url + "hello", version="2")
    t.ok(got and got[:2] == (200, HELLO), "--no-http1: curl --http2-prior-knowledge GET /hello is 200")
    server.check()


# --- 8. slow clients ----------------------------------------------------------------------------------------------

def byte_at_a_time(t, server):
    conn = Conn(server.port)
    for i, byte in enumerate(get("/hello")):
        if not conn.send(bytes([byte])):
            break
        time.sleep(0.01)
    resp = conn.read_response()
    t.ok(resp and (resp.status, resp.body) == (200, HELLO), "a request sent one byte at a time: 200 Hello",
         resp or conn.error)
    conn.close()


def handshake_timeout(t):
    server = t.server("--handshake-timeout", "1")
    for label, payload in (("a silent client", b""), ("a partial request line", b"GET /hel")):
        conn = Conn(server.port)
        conn.send(payload)
        started = time.monotonic()
        data, how = conn.read_to_eof(15)
        seconds = time.monotonic() - started
        conn.close()
        # Not before the timeout; the upper bound only says it was closed at all (a loaded machine is slow).
        t.ok(how == "closed" and 0.9 <= seconds < 15, f"{label}: closed after the 1 s timeout (--handshake-timeout 1)",
             f"{how} after {seconds:.2f} s, got {data[:300]!r}")
    conn, resp = exchange(server.port, get("/hello"))
    t.ok(resp and (resp.status, resp.body) == (200, HELLO), "--handshake-timeout 1: a prompt request is served",
         resp or conn.error)
    conn.close()
    server.check()


# --- 9. TLS -------------------------------------------------------------------------------------------------------

def over_tls(t):
    cert, key = t.certificate()
    server = t.server("--cert", cert, "--key", key)
    got = curl(t, server.url + "hello")
    if got:
        t.eq((got[0], got[1], got[2].get("content-length")), (200, HELLO, "13"),
             "curl --http1.1 over TLS: GET /hello is 200 Hello, content-length 13")

    ctx = tls_context(None)
    conn = Conn(server.port, ctx)
    conn.send(get("/hello") + get("/x", "Connection: close"))
    answers = [conn.read_response(), conn.read_response()]
    t.eq([(r.version, r.status, r.body) if r else conn.error for r in answers],
         [("HTTP/1.1", 200, HELLO), ("HTTP/1.1", 200, DEMO["/x"])],
         "a TLS client without ALPN: two pipelined requests answered over HTTP/1.1")
    t.eq(conn.wait_close(), "closed", "a TLS client without ALPN: closed after Connection: close")
    conn.close()

    bad_input(t, server.port, "over TLS (ALPN http/1.1), a control character in the first request's target",
              b"GET /\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, tls=tls_context(["http/1.1"]))
    server.check()


# --- 10. still healthy --------------------------------------------------------------------------------------------

def healthy_then_stop(t, server):
    got = curl(t, server.url + "hello")
    t.ok(got and got[:2] == (200, HELLO), "after all that, curl --http1.1 GET /hello is still 200")
    got = curl(t, server.url + "hello", version="2")
    t.ok(got and got[:2] == (200, HELLO), "after all that, curl --http2-prior-knowledge GET /hello is still 200")

    # An idle kept-alive connection does not hold up the graceful shutdown: the server closes it.
    conn, resp = exchange(server.port, get("/hello"))
    if not t.ok(resp and resp.status == 200, "a kept-alive connection, idle after one request", resp or conn.error):
        conn.close()
        server.check()
        return
    started = time.monotonic()
    server.signal(signal.SIGTERM)
    # A client closes its side once the server has: the server need not wait for it.
    t.eq(conn.wait_close(), "closed", "SIGTERM: the server closes the idle HTTP/1.1 connection")
    conn.close()
    status = server.wait(20)
    seconds = time.monotonic() - started
    t.ok(status is not None and seconds < 5, f"SIGTERM with an idle HTTP/1.1 connection: stopped in {seconds:.1f} s "
         "(under 5)")
    if status is None:
        server.kill()
    server.check()


def half_close(t, server):
    """A client that shuts down its sending side after its request (RFC 9112 §9.6) still gets the response, then
    the server closes; the same with a request whose body the FIN cuts short (the demo answers it at once)."""
    for label, data in (("GET", request("GET", "/hello")),
                        ("HTTP/1.0 GET", request("GET", "/hello", version="HTTP/1.0")),
                        ("POST cut short", request("POST", "/hello", "Content-Length: 100") + b"abc")):
        conn = Conn(server.port)
        conn.send(data)
        conn.sock.shutdown(socket.SHUT_WR)
        resp = conn.read_response()
        want = (405, NOT_ALLOWED) if label.startswith("POST") else (200, HELLO)
        t.ok(resp and (resp.status, resp.body) == want, f"half-closed client, {label}: answered {want[0]}",
             resp or conn.error)
        t.eq(conn.wait_close(), "closed", f"half-closed client, {label}: then the server closes")
        conn.close()


def main(t):
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    server = t.server()
    curl_demo(t, server)
    keep_alive(t, server)
    half_close(t, server)
    pipelining(t, server, rng, seed)
    request_bodies(t, server, rng, seed)
    chunked_responses(t, server)
    bad_inputs(t, server)
    detection(t, server)
    byte_at_a_time(t, server)
    healthy_then_stop(t, server)

    no_http1(t)
    handshake_timeout(t)
    over_tls(t)
    curl_files(t)


run(main, timeout=120)
