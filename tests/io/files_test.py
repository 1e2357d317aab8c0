"""h2serve --root DIR as a static file server: the headers of a file response (content-type, etag,
last-modified, accept-ranges), HEAD, errors, Range (RFC 9110 §14), conditional GET (§13), big downloads checked
by sha256 (curl, nghttp, a 5 GiB sparse file), many concurrent downloads, a client that stops reading (h2serve's
memory stays bounded) and a file truncated while it is sent (RST_STREAM, the connection survives).

The exact requests and their frames go through a small raw HTTP/2 client built on python3-h2's frame and HPACK
libraries (hyperframe, hpack); the big downloads through curl, nghttp and h2load. Every check runs over a
Transport: h2c (cleartext, prior knowledge), h2c over the splice path, h2c with zero-copy sends, and h2 over
TLS.
"""

import email.utils
import hashlib
import os
import re
import shutil
import socket
import ssl
import threading
import time

from h2serve_fixture import need_tool, run

try:
    from hpack import Decoder, Encoder
    from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                                  RstStreamFrame, SettingsFrame, WindowUpdateFrame)
except ImportError:
    print("1..0 # SKIP python3-h2 (hyperframe, hpack) is not installed for this python", flush=True)
    raise SystemExit(0)

CURL = need_tool("curl")
NGHTTP = need_tool("nghttp")
H2LOAD = need_tool("h2load")

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DEFAULT_WINDOW = 65535
MAX_WINDOW = 2**31 - 1
INTERNAL_ERROR = 0x2
# Every file's mtime, and how last-modified must spell it (IMF-fixdate, RFC 9110 §5.6.7).
MTIME = 1577934245
MTIME_TEXT = "Thu, 02 Jan 2020 03:04:05 GMT"
IMF_FIXDATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                         r"\d{4} \d\d:\d\d:\d\d GMT$")
# A strong entity tag: no W/ prefix, etagc characters between double quotes (RFC 9110 §8.8.3).
STRONG_ETAG = re.compile(r'^"[\x21\x23-\x7e\x80-\xff]*"$')
REQUESTS = re.compile(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                      r"(\d+) errored, (\d+) timeout$", re.M)
STATUS = re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx$", re.M)
TRAFFIC = re.compile(r"^traffic: .*\((\d+)\) data$", re.M)
NGHTTP_STAT = re.compile(r"^\s*\d+\s+\S+\s+\S+\s+\S+\s+(\d{3})\s+\S+\s+(\S+)$", re.M)
# The sizes of the files: small ones are served from h2serve's memory (up to 64 KiB), bigger ones from the file.
SMALL = 10000
SPARSE_SIZE = 5 * GiB
# The sparse file's random blocks: its start, across the 4 GiB line (a 32-bit offset would wrap there), a
# block at an odd offset in the middle, and its end.
SPARSE_BLOCKS = [0, 4 * GiB - 300 * KiB, 3 * GiB + 12345, SPARSE_SIZE - MiB]


class Transport:
    """How the clients reach h2serve: every check runs the same over each (the raw client speaks TLS with ALPN
    h2 for https)."""

    def __init__(self, name, scheme, server_args=(), curl_args=(), nghttp_args=(), h2load_args=(), sparse=True):
        self.name, self.scheme = name, scheme
        self.sparse = sparse  # download the 5 GiB file too (the longest check: once per transfer path is enough)
        self.server_args, self.curl_args = list(server_args), list(curl_args)
        self.nghttp_args, self.h2load_args = list(nghttp_args), list(h2load_args)
        self.tls = scheme == "https"

    def url(self, server, path):
        return f"{self.scheme}://127.0.0.1:{server.port}{path}"


TRANSPORTS = [
    Transport("h2c", "http", curl_args=["--http2-prior-knowledge"]),
    # The splice path (file pages through a pipe, no copy), which h2serve only takes when asked.
    Transport("h2c-splice", "http", server_args=["--splice-min", "1"], curl_args=["--http2-prior-knowledge"],
              sparse=False),
    # Zero-copy socket writes (SENDMSG_ZC): memory is released only after the kernel's notification.
    Transport("h2c-send-zc", "http", server_args=["--send-zc-min", "1"], curl_args=["--http2-prior-knowledge"],
              sparse=False),
    # File ranges read by the ring into the plaintext buffer, then encrypted; its certificate is made in main().
    Transport("h2-tls", "https", curl_args=["--http2", "-k"]),
]


# --- a raw HTTP/2 client ------------------------------------------------------------------------------------------

class Response:
    """What arrived on one stream."""

    def __init__(self, stream_id, keep_body):
        self.stream_id = stream_id
        self.headers = None  # the response's header list, once its HEADERS (and CONTINUATIONs) arrived
        self.headers_end_stream = False  # END_STREAM was on the response HEADERS
        self.body = bytearray() if keep_body else None
        self.sha = hashlib.sha256()
        self.received = 0  # body bytes
        self.data_frames = 0
        self.ended = False  # END_STREAM seen
        self.reset = None  # RST_STREAM's error code
        self.unacked = 0  # flow-controlled bytes not yet given back with WINDOW_UPDATE

    @property
    def done(self):
        return self.ended or self.reset is not None

    @property
    def status(self):
        return self.header(":status")

    def header(self, name):
        for n, v in self.headers or ():
            if n == name:
                return v
        return None

    def summary(self):
        return (f"status {self.status}, {self.received} body bytes in {self.data_frames} DATA frames, "
                f"END_STREAM {self.ended}, RST_STREAM {self.reset}, headers {self.headers}")


class H2Conn:
    """One client connection speaking raw frames. Our stream window is window (SETTINGS_INITIAL_WINDOW_SIZE) and
    so is the connection's; with auto_window, received data is given back with WINDOW_UPDATE as it arrives."""

    def __init__(self, transport, port, window=MAX_WINDOW, auto_window=True):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if transport.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["h2"])
            sock = ctx.wrap_socket(sock, server_hostname="localhost")
        self.sock = sock
        self.scheme, self.authority = transport.scheme, f"127.0.0.1:{port}"
        self.encoder, self.decoder = Encoder(), Decoder()
        self.buf, self.pos = bytearray(), 0
        self.streams, self.next_id = {}, 1
        self.goaways, self.unexpected = [], []
        self.eof = False
        self.window, self.auto_window = window, auto_window
        self.conn_unacked = 0
        self.block = None  # a header block waiting for its CONTINUATIONs: [stream id, bytes, end_stream]
        frames = [PREFACE, SettingsFrame(0, settings={SettingsFrame.ENABLE_PUSH: 0,
                                                      SettingsFrame.INITIAL_WINDOW_SIZE: window})]
        if window > DEFAULT_WINDOW:
            frames.append(WindowUpdateFrame(0, window_increment=window - DEFAULT_WINDOW))
        self.send(*frames)

    def close(self):
        self.sock.close()

    def send(self, *frames):
        self.sock.sendall(b"".join(f if isinstance(f, bytes) else f.serialize() for f in frames))

    def request(self, path, method="GET", headers=(), keep_body=True):
        """Sends a request without a body; returns its Response, filled in by run_until."""
        sid, self.next_id = self.next_id, self.next_id + 2
        frame = HeadersFrame(sid, flags=["END_HEADERS", "END_STREAM"])
        frame.data = self.encoder.encode([(":method", method), (":scheme", self.scheme),
                                          (":authority", self.authority), (":path", path)] + list(headers))
        self.streams[sid] = Response(sid, keep_body)
        self.send(frame)
        return self.streams[sid]

    def ack(self, response, stream_increment=None, conn_increment=None):
        """Gives back what arrived (or the increments given) with WINDOW_UPDATE on the stream and the connection."""
        stream_increment = response.unacked if stream_increment is None else stream_increment
        conn_increment = self.conn_unacked if conn_increment is None else conn_increment
        frames = []
        if stream_increment:
            frames.append(WindowUpdateFrame(response.stream_id, window_increment=stream_increment))
        if conn_increment:
            frames.append(WindowUpdateFrame(0, window_increment=conn_increment))
        response.unacked = max(0, response.unacked - stream_increment)
        self.conn_unacked = max(0, self.conn_unacked - conn_increment)
        if frames:
            self.send(*frames)

    def run_until(self, cond, timeout):
        """Reads and handles frames, one at a time, until cond() holds, the connection ends or timeout seconds
        pass; returns cond()."""
        deadline = time.monotonic() + timeout
        while True:
            while not cond():
                frame = self._next_frame()
                if frame is None:
                    break
                self._handle(frame)
            if cond():
                return True
            if self.eof or not self._recv(deadline):
                return cond()

    def idle(self, seconds):
        """Handles whatever arrives within seconds."""
        self.run_until(lambda: False, seconds)

    def _recv(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(MiB)
        except (socket.timeout, ssl.SSLWantReadError):
            return False
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        if self.pos >= MiB:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data
        return True

    def _next_frame(self):
        if len(self.buf) - self.pos < 9:
            return None
        frame, length = Frame.parse_frame_header(memoryview(bytes(self.buf[self.pos:self.pos + 9])))
        if len(self.buf) - self.pos < 9 + length:
            return None
        frame.parse_body(memoryview(bytes(self.buf[self.pos + 9:self.pos + 9 + length])))
        self.pos += 9 + length
        return frame

    def _handle(self, frame):
        if isinstance(frame, SettingsFrame):
            if "ACK" not in frame.flags:
                self.send(SettingsFrame(0, flags=["ACK"]))
        elif isinstance(frame, PingFrame):
            if "ACK" not in frame.flags:
                self.send(PingFrame(0, flags=["ACK"], opaque_data=frame.opaque_data))
        elif isinstance(frame, GoAwayFrame):
            self.goaways.append(frame)
        elif isinstance(frame, WindowUpdateFrame):
            pass
        elif frame.stream_id not in self.streams:
            self.unexpected.append(frame)
        elif isinstance(frame, HeadersFrame):
            self.block = [frame.stream_id, frame.data, "END_STREAM" in frame.flags]
            if "END_HEADERS" in frame.flags:
                self._header_block_done()
        elif isinstance(frame, ContinuationFrame):
            self.block[1] += frame.data
            if "END_HEADERS" in frame.flags:
                self._header_block_done()
        elif isinstance(frame, DataFrame):
            r = self.streams[frame.stream_id]
            if frame.data:
                r.sha.update(frame.data)
                if r.body is not None:
                    r.body += frame.data
            r.received += len(frame.data)
            r.data_frames += 1
            r.unacked += frame.flow_controlled_length
            self.conn_unacked += frame.flow_controlled_length
            if "END_STREAM" in frame.flags:
                r.ended = True
            if self.auto_window:
                if r.unacked >= self.window // 2 and not r.ended:
                    self.ack(r, conn_increment=0)
                if self.conn_unacked >= self.window // 2:
                    self.ack(r, stream_increment=0)
        elif isinstance(frame, RstStreamFrame):
            self.streams[frame.stream_id].reset = frame.error_code
        else:
            self.unexpected.append(frame)

    def _header_block_done(self):
        sid, data, end_stream = self.block
        self.block = None
        r = self.streams[sid]
        headers = [(n.decode() if isinstance(n, bytes) else n, v.decode() if isinstance(v, bytes) else v)
                   for n, v in self.decoder.decode(data)]
        if r.headers is None:
            r.headers = headers
            r.headers_end_stream = end_stream
        if end_stream:
            r.ended = True

    def error_goaways(self):
        return [(f.error_code, f.last_stream_id, f.additional_data) for f in self.goaways if f.error_code != 0]


def fetch(transport, server, path, method="GET", headers=(), timeout=20):
    """One request on a connection of its own; returns its Response (done is False if it did not finish)."""
    conn = H2Conn(transport, server.port)
    try:
        r = conn.request(path, method, headers)
        conn.run_until(lambda: r.done, timeout)
        return r
    finally:
        conn.close()


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(0, n, 4096):
        j = min(i + 4096, n)
        if a[i:j] != b[i:j]:
            return next(k for k in range(i, j) if a[k] != b[k])
    return n


def body_diag(got, want):
    if got is None:
        return "no body kept"
    if got == want:
        return f"the body is right ({len(got)} bytes)"
    return f"got {len(got)} bytes, want {len(want)}; first difference at byte {first_difference(got, want)}"


# --- the files ----------------------------------------------------------------------------------------------------

def write_random(path, size):
    """A file of size random bytes, written 1 MiB at a time; returns its sha256."""
    sha = hashlib.sha256()
    with open(path, "wb") as f:
        for start in range(0, size, MiB):
            piece = os.urandom(min(MiB, size - start))
            sha.update(piece)
            f.write(piece)
    return sha.hexdigest()


def file_sha256(path):
    """The sha256 of a file, streaming over it; its holes (SEEK_HOLE) are hashed as zeros without reading them."""
    sha, buf, zeros = hashlib.sha256(), bytearray(4 * MiB), memoryview(bytes(4 * MiB))
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        fd, size, pos = f.fileno(), os.fstat(f.fileno()).st_size, 0
        while pos < size:
            try:
                data = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:  # ENXIO: a hole up to the end
                data = size
            while pos < data:
                n = min(len(zeros), data - pos)
                sha.update(zeros[:n])
                pos += n
            hole = os.lseek(fd, pos, os.SEEK_HOLE) if pos < size else size
            f.seek(pos)
            while pos < hole:
                n = f.readinto(view[:min(len(buf), hole - pos)])
                if not n:
                    raise OSError(f"{path}: short read at {pos}")
                sha.update(view[:n])
                pos += n
    return sha.hexdigest()


class Files:
    """The document root and what the checks know of its files."""

    def __init__(self, t):
        top = t.tmpdir()
        self.top, self.root = top, os.path.join(top, "root")
        root = self.root
        os.makedirs(os.path.join(root, "sub"))
        os.makedirs(os.path.join(root, "empty"))
        self.text = {
            "index.html": b"<h1>files index</h1>\n",
            "style.css": b"body { color: teal }\n",
            "sub/index.html": b"<h1>sub index</h1>\n",
            "changing.txt": b"the first version\n",
        }
        self.text["small.xyz"] = os.urandom(SMALL)  # an unknown extension
        for name, data in self.text.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(data)
        with open(os.path.join(top, "secret.txt"), "wb") as f:
            f.write(b"SECRET outside the root\n")
        self.sha = {
            "1mib.bin": write_random(os.path.join(root, "1mib.bin"), MiB),
            "100mib.bin": write_random(os.path.join(root, "100mib.bin"), 100 * MiB),
            "64mib.bin": write_random(os.path.join(root, "64mib.bin"), 64 * MiB),
        }
        with open(os.path.join(root, "1mib.bin"), "rb") as f:
            self.text["1mib.bin"] = f.read()
        # Sparse: mostly a hole, costing no disk, with random blocks at known offsets.
        sparse = os.path.join(root, "sparse-5gib.bin")
        with open(sparse, "wb") as f:
            f.truncate(SPARSE_SIZE)
            for offset in SPARSE_BLOCKS:
                f.seek(offset)
                f.write(os.urandom(MiB))
        for dirpath, _, names in os.walk(root):
            for name in names:
                os.utime(os.path.join(dirpath, name), (MTIME, MTIME))
        # Its hash, streaming over the file, in the background while the other checks run.
        self.sparse_sha = None
        self._sparse_thread = threading.Thread(target=self._hash_sparse, args=(sparse,), daemon=True)
        self._sparse_thread.start()

    def _hash_sparse(self, path):
        self.sparse_sha = file_sha256(path)

    def sparse_sha256(self, timeout):
        self._sparse_thread.join(timeout)
        return self.sparse_sha


# --- the checks ---------------------------------------------------------------------------------------------------

def file_headers(t, tr, server, files):
    """GET and HEAD of files: the body and the headers of the spec."""
    label = tr.name
    cases = [("/index.html", "index.html", "text/html; charset=utf-8"),
             ("/style.css", "style.css", "text/css; charset=utf-8"),
             ("/small.xyz", "small.xyz", "application/octet-stream"),
             ("/1mib.bin", "1mib.bin", "application/octet-stream")]
    for path, name, ctype in cases:
        want = files.text[name]
        r = fetch(tr, server, path)
        t.eq(r.status, "200", f"{label}: GET {path}: 200")
        t.ok(r.ended and r.reset is None, f"{label}: GET {path}: the stream ends with END_STREAM", r.summary())
        t.ok(r.body == want, f"{label}: GET {path}: the body is the file's {len(want)} bytes", body_diag(r.body, want))
        t.eq(r.header("content-length"), str(len(want)), f"{label}: GET {path}: content-length {len(want)}")
        t.eq(r.header("content-type"), ctype, f"{label}: GET {path}: content-type {ctype}")
        etag = r.header("etag")
        t.ok(etag is not None and STRONG_ETAG.match(etag), f"{label}: GET {path}: etag is a quoted strong entity tag",
             f"etag: {etag!r}")
        t.ok(IMF_FIXDATE.match(r.header("last-modified") or ""),
             f"{label}: GET {path}: last-modified is an IMF-fixdate",
             f"last-modified: {r.header('last-modified')!r}")
        t.eq(r.header("last-modified"), MTIME_TEXT, f"{label}: GET {path}: last-modified is the file's mtime")
        t.eq(r.header("accept-ranges"), "bytes", f"{label}: GET {path}: accept-ranges: bytes")

        h = fetch(tr, server, path, method="HEAD")
        t.eq(h.status, "200", f"{label}: HEAD {path}: 200")
        t.ok(h.headers_end_stream and h.data_frames == 0, f"{label}: HEAD {path}: END_STREAM on HEADERS, no DATA",
             h.summary())
        for name_ in ("content-length", "content-type", "etag", "last-modified", "accept-ranges"):
            t.ok(h.header(name_) is not None and h.header(name_) == r.header(name_),
                 f"{label}: HEAD {path}: {name_} as GET has it", f"HEAD {h.header(name_)!r}, GET {r.header(name_)!r}")

    # The same file twice: the same etag; another file: another etag.
    a, b = fetch(tr, server, "/small.xyz"), fetch(tr, server, "/small.xyz")
    t.ok(a.header("etag") is not None and a.header("etag") == b.header("etag"),
         f"{label}: the same unchanged file has the same etag twice", f"{a.header('etag')!r} {b.header('etag')!r}")


def errors(t, tr, server, files):
    label = tr.name
    r = fetch(tr, server, "/sub/")
    t.eq((r.status, bytes(r.body or b"")), ("200", files.text["sub/index.html"]), f"{label}: GET /sub/: its index.html")
    r = fetch(tr, server, "/sub")
    t.eq((r.status, bytes(r.body or b"")), ("200", files.text["sub/index.html"]), f"{label}: GET /sub: its index.html")
    r = fetch(tr, server, "/sub/")
    t.eq(r.header("content-type"), "text/html; charset=utf-8", f"{label}: GET /sub/: content-type of index.html")
    for path in ("/missing.txt", "/sub/missing.html", "/empty/", "/empty", "/../secret.txt", "/sub/../../secret.txt",
                 "/%2e%2e/secret.txt", "/sub%2findex.html", "/sub/..%2f..%2fsecret.txt"):
        r = fetch(tr, server, path)
        t.eq(r.status, "404", f"{label}: GET {path}: 404")
        t.ok(b"SECRET" not in (r.body or b""), f"{label}: GET {path}: nothing from outside the root")
    r = fetch(tr, server, "/missing.txt", method="HEAD")
    t.ok(r.status == "404" and r.headers_end_stream, f"{label}: HEAD /missing.txt: 404 without a body", r.summary())
    r = fetch(tr, server, "/index.html", method="POST")
    t.eq((r.status, r.header("allow")), ("405", "GET, HEAD"), f"{label}: POST /index.html: 405 with allow: GET, HEAD")
    r = fetch(tr, server, "/1mib.bin", method="POST")
    t.eq((r.status, r.header("allow")), ("405", "GET, HEAD"), f"{label}: POST /1mib.bin: 405 with allow: GET, HEAD")


def ranges(t, tr, server, path, data):
    """Range requests on one file (RFC 9110 §14)."""
    label = f"{tr.name}: {path}"
    size = len(data)
    etag = fetch(tr, server, path).header("etag")
    partial = [
        ("bytes=0-99", 0, 99),
        ("bytes=-500", size - 500, size - 1),
        ("bytes=100-", 100, size - 1),
        (f"bytes={size - 10}-{size + 1000}", size - 10, size - 1),  # the end is clamped to the file
        (f"bytes={size - 1}-{size - 1}", size - 1, size - 1),
        (f"bytes=1000-{size // 2 + 7}", 1000, size // 2 + 7),
        (f"bytes=-{size + 100}", 0, size - 1),  # a suffix longer than the file: all of it (§14.1.3)
    ]
    if size > 300 * KiB:
        partial.append(("bytes=262000-800000", 262000, 800000))  # past any 256 KiB piece of the sender
    for spec, first, last in partial:
        r = fetch(tr, server, path, headers=[("range", spec)])
        t.eq(r.status, "206", f"{label} range: {spec}: 206")
        t.eq(r.header("content-range"), f"bytes {first}-{last}/{size}",
             f"{label} range: {spec}: content-range bytes {first}-{last}/{size}")
        t.eq(r.header("content-length"), str(last - first + 1),
             f"{label} range: {spec}: content-length {last - first + 1}")
        want = data[first:last + 1]
        t.ok(r.ended and r.body == want, f"{label} range: {spec}: exactly those bytes, then END_STREAM",
             body_diag(r.body, want) + "; " + r.summary()[:300])
        t.ok(etag is not None and r.header("etag") == etag,
             f"{label} range: {spec}: the 206 carries the etag (RFC 9110 §15.3.7)", f"{r.header('etag')!r} {etag!r}")

    for spec in (f"bytes={size}-", f"bytes={size + 5}-{size + 10}"):
        r = fetch(tr, server, path, headers=[("range", spec)])
        t.eq(r.status, "416", f"{label} range: {spec}: 416")
        t.eq(r.header("content-range"), f"bytes */{size}", f"{label} range: {spec}: content-range bytes */{size}")

    # Not served as a range: several ranges, and what is not a valid bytes range.
    for spec in ("bytes=0-1,5-6", "bytes=5-2", "items=0-1", "bytes=abc"):
        r = fetch(tr, server, path, headers=[("range", spec)])
        t.eq(r.status, "200", f"{label} range: {spec}: 200")
        t.ok(r.ended and r.body == data, f"{label} range: {spec}: the whole file", body_diag(r.body, data))
        t.eq(r.header("content-length"), str(size), f"{label} range: {spec}: content-length of the whole file")
        t.eq(r.header("content-range"), None, f"{label} range: {spec}: no content-range")

    r = fetch(tr, server, path, headers=[("range", "bytes=0-99"), ("if-range", etag or '"none"')])
    t.eq(r.status, "206", f"{label} if-range with the current etag: 206")
    t.ok(r.body == data[:100], f"{label} if-range with the current etag: the range", body_diag(r.body, data[:100]))
    r = fetch(tr, server, path, headers=[("range", "bytes=0-99"), ("if-range", '"another-etag"')])
    t.eq(r.status, "200", f"{label} if-range with another etag: 200")
    t.ok(r.ended and r.body == data, f"{label} if-range with another etag: the whole file", body_diag(r.body, data))


def conditionals(t, tr, server, path, data):
    """Conditional GET (RFC 9110 §13.1.2, §13.1.3, §13.2.2)."""
    label = f"{tr.name}: {path}"
    first = fetch(tr, server, path)
    etag, last_modified = first.header("etag"), first.header("last-modified")
    t.require(first.status == "200", f"{label}: GET for its validators: 200", first.summary()[:300])
    earlier = email.utils.formatdate(MTIME - 86400, usegmt=True)
    later = email.utils.formatdate(MTIME + 86400, usegmt=True)

    def not_modified(desc, headers):
        r = fetch(tr, server, path, headers=headers)
        t.eq(r.status, "304", f"{label} {desc}: 304")
        t.ok(r.ended and r.received == 0, f"{label} {desc}: no body", r.summary()[:300])
        t.ok(etag is not None and r.header("etag") == etag, f"{label} {desc}: 304 with the etag",
             f"{r.header('etag')!r} {etag!r}")

    def modified(desc, headers):
        r = fetch(tr, server, path, headers=headers)
        t.eq(r.status, "200", f"{label} {desc}: 200")
        t.ok(r.ended and r.body == data, f"{label} {desc}: the whole file", body_diag(r.body, data))

    not_modified("if-none-match: its etag", [("if-none-match", etag or '"none"')])
    modified('if-none-match: "other"', [("if-none-match", '"other"')])
    not_modified("if-none-match: *", [("if-none-match", "*")])
    not_modified("if-none-match: a list holding its etag", [("if-none-match", f'"other", {etag}')])
    not_modified("if-none-match: its etag as a weak one (weak comparison)", [("if-none-match", f"W/{etag}")])
    not_modified("if-modified-since: its last-modified", [("if-modified-since", last_modified or MTIME_TEXT)])
    not_modified("if-modified-since: a later date", [("if-modified-since", later)])
    modified("if-modified-since: an earlier date", [("if-modified-since", earlier)])
    modified('if-none-match: "other" and if-modified-since: its last-modified (ignored)',
             [("if-none-match", '"other"'), ("if-modified-since", last_modified or MTIME_TEXT)])
    not_modified("if-none-match: its etag and if-modified-since: an earlier date (ignored)",
                 [("if-none-match", etag or '"none"'), ("if-modified-since", earlier)])


def changed_file(t, tr, server, files):
    """A file that changes gets another etag and last-modified, and the old etag no longer matches."""
    label = f"{tr.name}: /changing.txt"
    path = os.path.join(files.root, "changing.txt")
    old = fetch(tr, server, "/changing.txt")
    old_etag = old.header("etag")
    new_text = b"the second version, longer than the first\n"
    try:
        with open(path, "wb") as f:
            f.write(new_text)
        os.utime(path, (MTIME + 100, MTIME + 100))
        time.sleep(1.5)  # h2serve trusts an open file for a second
        r = fetch(tr, server, "/changing.txt")
        t.eq((r.status, bytes(r.body or b"")), ("200", new_text), f"{label} after a change: the new contents")
        t.ok(r.header("etag") is not None and r.header("etag") != old_etag, f"{label} after a change: another etag",
             f"before {old_etag!r}, after {r.header('etag')!r}")
        t.eq(r.header("last-modified"), email.utils.formatdate(MTIME + 100, usegmt=True),
             f"{label} after a change: last-modified is the new mtime")
        r = fetch(tr, server, "/changing.txt", headers=[("if-none-match", old_etag or '"none"')])
        t.eq((r.status, bytes(r.body or b"")), ("200", new_text),
             f"{label} after a change: if-none-match: the old etag: 200 and the new contents")
    finally:  # the first version again, for another transport
        with open(path, "wb") as f:
            f.write(files.text["changing.txt"])
        os.utime(path, (MTIME, MTIME))


def curl_download(t, tr, server, path, size, sha, timeout):
    label = f"{tr.name}: curl {path}"
    head = os.path.join(t.tmpdir(), "head")
    started = time.monotonic()
    got = t.stream_download([CURL, *tr.curl_args, "-sS", "--max-time", str(timeout), "-D", head, "-o", "-",
                              tr.url(server, path)], timeout + 10)
    if got is None:
        return
    status, n, digest, stderr = got
    t.diag(f"{label}: {n} bytes in {time.monotonic() - started:.1f} s")
    t.eq(status, 0, f"{label}: exits 0")
    if status:
        t.diag(stderr)
    with open(head, encoding="latin-1", newline="") as f:
        lines = f.read().split("\r\n")
    t.eq(lines[0].strip(), "HTTP/2 200", f"{label}: HTTP/2 200")
    t.ok(f"content-length: {size}" in lines, f"{label}: content-length: {size}", "\n".join(lines))
    t.eq(n, size, f"{label}: {size} bytes")
    t.eq(digest, sha, f"{label}: the file's sha256")


def nghttp_download(t, tr, server, path, size, sha, timeout):
    label = f"{tr.name}: nghttp {path}"
    started = time.monotonic()
    got = t.stream_download([NGHTTP, *tr.nghttp_args, "-t", str(timeout), tr.url(server, path)], timeout + 10)
    if got is None:
        return
    status, n, digest, stderr = got
    t.diag(f"{label}: {n} bytes in {time.monotonic() - started:.1f} s")
    t.ok(status == 0, f"{label}: exits 0", stderr)
    t.eq(n, size, f"{label}: {size} bytes")
    t.eq(digest, sha, f"{label}: the file's sha256")


def downloads(t, tr, server, files):
    for path, name, size in (("/1mib.bin", "1mib.bin", MiB), ("/100mib.bin", "100mib.bin", 100 * MiB)):
        curl_download(t, tr, server, path, size, files.sha[name], timeout=120)
        nghttp_download(t, tr, server, path, size, files.sha[name], timeout=120)
    if not tr.sparse:
        return
    sha = files.sparse_sha256(timeout=120)
    if t.ok(sha is not None, "the sparse file's sha256 is computed"):
        curl_download(t, tr, server, "/sparse-5gib.bin", SPARSE_SIZE, sha, timeout=300)


def concurrent(t, tr, server, files):
    """Many downloads of the same 1 MiB file at once."""
    url, sha = tr.url(server, "/1mib.bin"), files.sha["1mib.bin"]
    label = f"{tr.name}: h2load -n 400 -c 8 -m 10 /1mib.bin"
    result = t.client([H2LOAD, *tr.h2load_args, "-n", "400", "-c", "8", "-m", "10", "-t", "2", "-T", "150",
                       "-N", "60", url], timeout=180)
    out = result.stdout.decode("latin-1")
    t.ok(result.returncode == 0, f"{label}: exits 0", result.stderr.decode("latin-1"))
    m = REQUESTS.search(out)
    if t.ok(m, f"{label}: prints its request counts", out):
        total, started, done, succeeded, failed, errored, timed_out = map(int, m.groups())
        t.eq((done, succeeded), (400, 400), f"{label}: every request done and succeeded")
        t.eq((failed, errored, timed_out), (0, 0, 0), f"{label}: none failed, errored or timed out")
    m = STATUS.search(out)
    if t.ok(m, f"{label}: prints its status codes", out):
        t.eq(tuple(map(int, m.groups())), (400, 0, 0, 0), f"{label}: all 400 answered 2xx")
    m = TRAFFIC.search(out)
    t.ok(m and int(m.group(1)) == 400 * MiB, f"{label}: {400 * MiB} body bytes in all", out)

    label = f"{tr.name}: nghttp -s -m 20 /1mib.bin"
    result = t.client([NGHTTP, *tr.nghttp_args, "-s", "-m", "20", "-t", "60", url], timeout=90)
    t.ok(result.returncode == 0, f"{label}: exits 0", result.stderr.decode("latin-1"))
    out = result.stdout
    # The bodies, interleaved as their DATA frames came, then the statistics.
    split = out.rfind(b"***** Statistics *****")
    bodies, stats = (out[:split], out[split:].decode("latin-1")) if split >= 0 else (out, "")
    t.eq(len(bodies), 20 * MiB, f"{label}: 20 MiB of bodies")
    codes = NGHTTP_STAT.findall(stats)
    t.eq([c for c, _ in codes], ["200"] * 20, f"{label}: 20 responses, all 200")
    # nghttp's per-request size is rounded (1.0M): the exact sizes and contents are checked below.

    label = f"{tr.name}: 20 concurrent streams of /1mib.bin on one connection"
    conn = H2Conn(tr, server.port)
    try:
        rs = [conn.request("/1mib.bin", keep_body=False) for _ in range(20)]
        conn.run_until(lambda: all(r.done for r in rs), 120)
        t.eq([r.status for r in rs], ["200"] * 20, f"{label}: all 200")
        t.eq([(r.ended, r.reset) for r in rs], [(True, None)] * 20, f"{label}: all end with END_STREAM")
        t.eq([r.received for r in rs], [MiB] * 20, f"{label}: 1 MiB each")
        t.eq([r.sha.hexdigest() for r in rs], [sha] * 20, f"{label}: the file's sha256 each")
        t.eq(conn.error_goaways(), [], f"{label}: no GOAWAY with an error")
    finally:
        conn.close()


def stalled_reader(t, tr, server, files):
    """A client with huge windows that stops reading: h2serve must not read the file ahead into memory."""
    label = f"{tr.name}: a client that stops reading /100mib.bin"
    conn = H2Conn(tr, server.port, window=MAX_WINDOW)
    try:
        warm = conn.request("/index.html")
        t.require(conn.run_until(lambda: warm.done, 20) and warm.status == "200",
                  f"{label}: a first request on the connection is served", warm.summary())
        baseline = rss_bytes(server.pid)
        r = conn.request("/100mib.bin", keep_body=False)
        conn.run_until(lambda: r.received >= MiB or r.done, 30)
        t.ok(r.status == "200" and r.received >= MiB, f"{label}: the first MiB arrives", r.summary())
        peak, end = baseline, time.monotonic() + 3
        while time.monotonic() < end:  # the socket is not read meanwhile
            peak = max(peak, rss_bytes(server.pid))
            time.sleep(0.1)
        growth = peak - baseline
        t.ok(growth < 32 * MiB, f"{label}: h2serve's VmRSS grows by less than 32 MiB while it waits",
             f"baseline {baseline / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB, growth {growth / MiB:.1f} MiB")
        t.diag(f"VmRSS baseline {baseline / MiB:.1f} MiB, growth {growth / MiB:.1f} MiB during the stall")
        conn.run_until(lambda: r.done, 120)
        t.ok(r.ended and r.reset is None, f"{label}: reading again, the stream ends with END_STREAM", r.summary())
        t.eq(r.received, 100 * MiB, f"{label}: all 100 MiB arrive")
        t.eq(r.sha.hexdigest(), files.sha["100mib.bin"], f"{label}: the file's sha256")
        t.eq(conn.error_goaways(), [], f"{label}: no GOAWAY with an error")
    finally:
        conn.close()


def truncated_file(t, tr, server, files):
    """A file truncated on disk while it is sent: the stream is reset, the connection lives on."""
    label = f"{tr.name}: /64mib.bin truncated while it is sent"
    path = os.path.join(files.root, "64mib.bin")
    original = os.path.join(files.top, "64mib.orig")
    shutil.copyfile(path, original)
    original_size = os.path.getsize(path)
    conn = H2Conn(tr, server.port, window=DEFAULT_WINDOW, auto_window=False)
    try:
        r = conn.request("/64mib.bin")
        # The window given back a step at a time, until 1 MiB arrived.
        deadline = time.monotonic() + 60
        while r.received < MiB and not r.done and not conn.eof and time.monotonic() < deadline:
            conn.run_until(lambda: r.unacked >= DEFAULT_WINDOW or r.done, 0.5)
            if r.unacked:
                conn.ack(r)
        t.require(r.status == "200" and r.received >= MiB and not r.done,
                  f"{label}: the first MiB arrives through a small window", r.summary()[:500])
        conn.idle(0.5)  # what is left of the window; then h2serve waits for more
        cut = MiB + 512 * KiB
        os.truncate(path, cut)
        received_before = r.received
        # Both windows fully open (all we received is acknowledged but r.unacked): h2serve now reads past the
        # new end of the file.
        conn.ack(r, MAX_WINDOW - (DEFAULT_WINDOW - r.unacked), MAX_WINDOW - (DEFAULT_WINDOW - conn.conn_unacked))
        conn.run_until(lambda: r.done or conn.goaways, 30)
        conn.idle(0.2)
        t.eq(len(conn.buf) - conn.pos, 0, f"{label}: no frame is left incomplete")
        t.diag(f"{received_before} bytes before the truncation to {cut}, {r.received} in all")
        t.eq(r.reset, INTERNAL_ERROR, f"{label}: the stream ends with RST_STREAM INTERNAL_ERROR")
        t.ok(not r.ended, f"{label}: the stream does not end with END_STREAM", r.summary()[:500])
        t.ok(r.received <= original_size, f"{label}: no more than the file's {original_size} bytes arrive",
             f"{r.received} bytes")
        with open(original, "rb") as f:
            want = f.read(len(r.body))
        t.ok(r.body == want, f"{label}: what arrived is the file's first {len(r.body)} bytes", body_diag(r.body, want))
        t.eq(conn.error_goaways(), [], f"{label}: no GOAWAY with an error")
        t.ok(not conn.eof, f"{label}: the connection stays open")

        second = conn.request("/index.html")
        conn.run_until(lambda: second.done, 10)
        t.eq((second.status, second.ended, bytes(second.body)), ("200", True, files.text["index.html"]),
             f"{label}: the next request on the connection gets 200 and the file")
        t.eq(conn.error_goaways(), [], f"{label}: still no GOAWAY with an error")
    finally:
        conn.close()
        shutil.copyfile(original, path)  # the same inode again, for another transport
        os.utime(path, (MTIME, MTIME))


def timed(t, name, check, *args):
    started = time.monotonic()
    check(t, *args)
    t.diag(f"{name}: {time.monotonic() - started:.1f} s")


def main(t):
    started = time.monotonic()
    files = Files(t)
    t.diag(f"the files written: {time.monotonic() - started:.1f} s")
    cert, key = t.certificate()
    for tr in TRANSPORTS:
        if tr.tls:
            tr.server_args = ["--cert", cert, "--key", key]
        server = t.server("--root", files.root, *tr.server_args)
        timed(t, "headers", file_headers, tr, server, files)
        timed(t, "errors", errors, tr, server, files)
        for name in ("small.xyz", "1mib.bin"):  # served from memory, and from the file
            timed(t, f"ranges of {name}", ranges, tr, server, "/" + name, files.text[name])
            timed(t, f"conditionals of {name}", conditionals, tr, server, "/" + name, files.text[name])
        timed(t, "a changed file", changed_file, tr, server, files)
        server.check()

        server = t.server("--root", files.root, *tr.server_args)
        timed(t, "downloads", downloads, tr, server, files)
        timed(t, "concurrent downloads", concurrent, tr, server, files)
        server.check()

        server = t.server("--root", files.root, *tr.server_args)
        timed(t, "a stalled reader", stalled_reader, tr, server, files)
        server.check()

        server = t.server("--root", files.root, *tr.server_args)
        timed(t, "a truncated file", truncated_file, tr, server, files)
        server.check()


run(main, timeout=570)
