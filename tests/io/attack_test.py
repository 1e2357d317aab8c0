"""Live attacks on h2serve over h2c and TLS on loopback, in raw frames: rapid reset, MadeYouReset, CONTINUATION
flood, HPACK bomb, the HTTP/2 Bomb (CVE-2026-49975, scaled down), PING/SETTINGS/empty-frame floods, zero-window
and slowloris holders, stream-limit abuse, and HTTP/1.1 pipelining that reads nothing. Each attack is bounded in
frames and time; after each the server is alive, answers an honest client (also during the long ones), and its
peak RSS (VmHWM, reset before each attack) stayed within a stated bound, which an ASan build does not check
(its shadow memory and quarantine are no measure of ours). The engine's own limits are unit-tested in
tests/core/test_limits.c; this is the same defences through the runtime, with real sockets."""

import socket
import ssl
import struct
import time

from h2serve_fixture import run, tls_client_context

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
CANCEL, ENHANCE_YOUR_CALM, REFUSED_STREAM = 0x8, 0xB, 0x7
STALL_S = 2  # h2serve's --stall-timeout here


def frame(kind, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream_id) + payload


def get_block(path=b"/hello", extra=b""):
    """GET path on 127.0.0.1, HPACK without the dynamic table (but what extra adds)."""
    return b"\x82\x86" + bytes([0x04, len(path)]) + path + b"\x01\x09127.0.0.1" + extra


class Conn:
    """A raw HTTP/2 (or bytes) client connection; reads are bounded, frames parsed as they come."""

    def __init__(self, server, preface=True, settings=b"", tls=None):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        if server.scheme == "https" if tls is None else tls:
            sock = tls_client_context(["h2"]).wrap_socket(sock)
        self.sock, self.buf, self.frames, self.closed = sock, b"", [], False
        if preface:
            self.send(PREFACE + frame(SETTINGS, 0, 0, settings))

    def send(self, data):
        """Sends all of data: False if the server closed the connection, or takes nothing for 5 s."""
        try:
            self.sock.sendall(data)
            return True
        except (socket.timeout, ssl.SSLWantWriteError):
            return False  # held, not closed: reading says what happened
        except (OSError, ssl.SSLError):
            self.closed = True
            return False

    def read(self, timeout):
        """Reads for up to timeout seconds (until the server closes), answering SETTINGS; frames go to
        self.frames as (type, flags, stream id, payload)."""
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(1 << 16)
            except (socket.timeout, ssl.SSLWantReadError):
                return
            except (OSError, ssl.SSLError):
                data = b""
            if not data:
                self.closed = True
                return
            self.buf += data
            while len(self.buf) >= 9 and len(self.buf) >= 9 + int.from_bytes(self.buf[:3], "big"):
                length = int.from_bytes(self.buf[:3], "big")
                f = (self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], "big"), self.buf[9:9 + length])
                self.buf = self.buf[9 + length:]
                self.frames.append(f)
                if f[0] == SETTINGS and not f[1] & ACK:
                    self.send(frame(SETTINGS, ACK, 0))

    def until_closed(self, timeout):
        self.read(timeout)
        return self.closed

    def goaway(self):
        codes = [int.from_bytes(f[3][4:8], "big") for f in self.frames if f[0] == GOAWAY]
        return codes[-1] if codes else None

    def count(self, kind, code=None):
        return sum(1 for f in self.frames if f[0] == kind and (code is None or f[3][:4] == code.to_bytes(4, "big")))

    def close(self):
        self.sock.close()


def honest(server):
    """A well-behaved client's GET /hello on a new connection: True if answered 200 with its body."""
    try:
        c = Conn(server)
    except (OSError, ssl.SSLError):
        return False
    c.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, get_block()))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not c.closed:
        c.read(0.2)
        heads = [f for f in c.frames if f[0] == HEADERS and f[2] == 1]
        body = b"".join(f[3] for f in c.frames if f[0] == DATA and f[2] == 1)
        if heads and body == b"Hello, World!":
            c.close()
            return heads[0][3][:1] == b"\x88"  # :status 200
    c.close()
    return False


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Attack:
    """Runs one attack against a server: the peak RSS is measured around it, the server checked after."""

    def __init__(self, t, server, sanitized):
        self.t, self.server, self.sanitized = t, server, sanitized
        self.label = "h2c" if server.scheme == "http" else "TLS"

    def __call__(self, name, attack, bound_mib):
        t, server = self.t, self.server
        with open(f"/proc/{server.pid}/clear_refs", "w") as f:
            f.write("5")  # VmHWM starts again from VmRSS
        before = status_kib(server.pid, "VmRSS")
        attack(t, server, f"{self.label} {name}")
        grown = (status_kib(server.pid, "VmHWM") - before) / 1024
        t.require(server.proc.poll() is None, f"{self.label} {name}: h2serve is alive")
        t.ok(honest(server), f"{self.label} {name}: an honest client is answered after it")
        if self.sanitized:
            t.diag(f"{self.label} {name}: peak RSS +{grown:.1f} MiB (not checked: a sanitizer build)")
        else:
            t.ok(grown <= bound_mib, f"{self.label} {name}: peak RSS +{grown:.1f} MiB, at most {bound_mib} MiB")


def rapid_reset(t, server, label):
    """CVE-2023-44487: streams opened and reset at once, 1000 of them: GOAWAY(ENHANCE_YOUR_CALM) past 200."""
    c = Conn(server)
    c.send(b"".join(frame(HEADERS, END_HEADERS, 2 * i + 1, get_block()) +
                    frame(RST_STREAM, 0, 2 * i + 1, struct.pack(">I", CANCEL)) for i in range(1000)))
    t.ok(c.until_closed(5) and c.goaway() == ENHANCE_YOUR_CALM, f"{label}: GOAWAY(ENHANCE_YOUR_CALM), closed")
    c.close()


def made_you_reset(t, server, label):
    """CVE-2025-8671: streams the server must reset itself (WINDOW_UPDATE of 0 on each), 1000 of them."""
    c = Conn(server, settings=struct.pack(">HI", 0x4, 0))
    c.send(b"".join(frame(HEADERS, END_STREAM | END_HEADERS, 2 * i + 1, get_block()) +
                    frame(WINDOW_UPDATE, 0, 2 * i + 1, struct.pack(">I", 0)) for i in range(1000)))
    t.ok(c.until_closed(5) and c.goaway() == ENHANCE_YOUR_CALM,
         f"{label}: GOAWAY(ENHANCE_YOUR_CALM) after {c.count(RST_STREAM)} resets, closed")
    c.close()


def continuation_flood(t, server, label):
    """CVE-2024-28182: a header block that never ends, 10,000 CONTINUATION frames."""
    c = Conn(server)
    c.send(frame(HEADERS, 0, 1, get_block()) + frame(CONTINUATION, 0, 1, b"\x40\x01a\x01b") * 10000)
    t.ok(c.until_closed(5) and c.goaway() == ENHANCE_YOUR_CALM, f"{label}: GOAWAY(ENHANCE_YOUR_CALM), closed")
    c.close()


def hpack_bomb(t, server, label):
    """A 4000-byte field in the dynamic table, then 100 requests of 16,000 one-byte references to it (6 GB of
    fields): each answered 431, the connection and its table go on."""
    c = Conn(server)
    value = b"b" * 4000
    c.send(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                 get_block(extra=b"\x40\x06x-bomb\x7f" + bytes([0x80 | ((4000 - 127) & 0x7f), (4000 - 127) >> 7]) +
                           value)))
    c.send(b"".join(frame(HEADERS, END_STREAM | END_HEADERS, 2 * i + 3, get_block(extra=b"\xbe" * 16000))
                    for i in range(100)))
    c.read(3)
    t.ok(not c.closed and c.count(HEADERS) == 101 and c.goaway() is None,
         f"{label}: 101 responses (100 of them 431), the connection goes on")
    c.close()


def bomb_connections(server, count):
    """count connections of the HTTP/2 Bomb: window 0, 100 streams of 124 references to a cookie each."""
    conns = []
    for _ in range(count):
        c = Conn(server, settings=struct.pack(">HI", 0x4, 0))
        c.send(b"".join(frame(HEADERS, END_STREAM | END_HEADERS, 2 * i + 1,
                              get_block(extra=(b"\x60\x03a=b" + b"\xbe" * 123) if i == 0 else b"\xbe" * 124))
                        for i in range(100)))
        conns.append(c)
    return conns


def hold(server, conns, seconds):
    """Holds the connections for up to seconds (until all are closed), a 1-byte connection WINDOW_UPDATE on each
    now and then, an honest client's request meanwhile: how many times it was answered."""
    started, answered = time.monotonic(), 0
    while time.monotonic() - started < seconds and not all(c.closed for c in conns):
        for c in conns:
            c.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 1)))
            c.read(0.05)
        answered += honest(server)
    return answered


def http2_bomb(t, server, label):
    """The HTTP/2 Bomb, scaled down: 10 connections of 100 streams of 124 references to a cookie, window 0, a
    1-byte connection WINDOW_UPDATE now and then; an honest client meanwhile. The stall timeout closes them."""
    started = time.monotonic()
    conns = bomb_connections(server, 10)
    answered = hold(server, conns, STALL_S + 3)
    closed_at = time.monotonic() - started
    t.ok(all(c.closed and c.goaway() == ENHANCE_YOUR_CALM for c in conns) and closed_at >= STALL_S,
         f"{label}: all 10 closed with GOAWAY(ENHANCE_YOUR_CALM) by the stall timeout, not before {STALL_S} s "
         f"({closed_at:.1f} s)")
    t.ok(answered >= 1 and sum(c.count(HEADERS) for c in conns) == 1000,
         f"{label}: 1000 streams answered (heads), the honest client {answered} times meanwhile")
    for c in conns:
        c.close()


def worker_budget(t, server, label):
    """The same 10 connections against a worker budget of 1 MB (--worker-memory), no stall timeout: those
    holding the most are shed (GOAWAY(ENHANCE_YOUR_CALM)) until the rest fit; an honest client meanwhile."""
    conns = bomb_connections(server, 10)
    answered = hold(server, conns, 3)
    shed = [c for c in conns if c.closed and c.goaway() == ENHANCE_YOUR_CALM]
    t.ok(1 <= len(shed) < 10 and all(c.closed == (c in shed) for c in conns),
         f"{label}: {len(shed)} of 10 shed with GOAWAY(ENHANCE_YOUR_CALM), the others still open")
    t.ok(answered >= 1, f"{label}: the honest client answered {answered} times meanwhile")
    for c in conns:
        c.close()


def flood(kind):
    def attack(t, server, label):
        """Frames the server must answer (PING, SETTINGS) or must count as invalid (empty DATA), from a client
        that reads nothing: cut off with GOAWAY(ENHANCE_YOUR_CALM)."""
        c = Conn(server)
        if kind == "PING":
            f = frame(PING, 0, 0, b"12345678")
        elif kind == "SETTINGS":
            f = frame(SETTINGS, 0, 0, struct.pack(">HI", 0x3, 100))
        else:
            c.send(frame(HEADERS, END_HEADERS, 1, get_block(b"/delay/5000")))
            f = frame(DATA, 0, 1)
        sent = 0
        while sent < 200000 and c.send(f * 1000):
            sent += 1000
        t.ok(c.until_closed(10) and c.goaway() == ENHANCE_YOUR_CALM,
             f"{label}: GOAWAY(ENHANCE_YOUR_CALM), closed, after at most {sent} frames")
        c.close()
    return attack


def zero_window(t, server, label):
    """A client that opens no window for a response: closed by the stall timeout, not before it."""
    started = time.monotonic()
    c = Conn(server, settings=struct.pack(">HI", 0x4, 0))
    c.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, get_block(b"/")))
    c.read(STALL_S - 0.5)
    t.ok(not c.closed, f"{label}: still open before the {STALL_S} s stall timeout")
    closed = c.until_closed(5)
    t.ok(closed and c.goaway() == ENHANCE_YOUR_CALM and time.monotonic() - started >= STALL_S,
         f"{label}: then GOAWAY(ENHANCE_YOUR_CALM), closed")
    c.close()


def slowloris(t, server, label):
    """Connections that trickle their first bytes (the preface or an HTTP/1.1 request line; over TLS, the
    ClientHello) a byte at a time: closed by the handshake timeout (1 s here), not before it."""
    started = time.monotonic()
    conns = [Conn(server, preface=False, tls=False) for _ in range(20)]
    first = [PREFACE, b"GET /hello HTTP/1.1\r\nHost: a\r\n"]
    if server.scheme == "https":
        first = [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32)] * 2
    for i in range(10):
        for j, c in enumerate(conns):
            c.send(first[j % 2][i:i + 1])
        time.sleep(0.05)
    for c in conns:
        c.read(0.01)
    t.ok(not any(c.closed for c in conns), f"{label}: 20 trickling connections open for 0.5 s")
    closed = all(c.until_closed(5) for c in conns)
    t.ok(closed and time.monotonic() - started >= 1, f"{label}: all closed by the 1 s handshake timeout")
    for c in conns:
        c.close()


def stream_limit(t, server, label):
    """100 streams held (window 0), then 200 more: refused (REFUSED_STREAM), then GOAWAY(ENHANCE_YOUR_CALM)."""
    c = Conn(server, settings=struct.pack(">HI", 0x4, 0))
    c.send(b"".join(frame(HEADERS, END_STREAM | END_HEADERS, 2 * i + 1, get_block(b"/")) for i in range(300)))
    t.ok(c.until_closed(5) and c.goaway() == ENHANCE_YOUR_CALM and c.count(RST_STREAM, REFUSED_STREAM) >= 100,
         f"{label}: {c.count(RST_STREAM, REFUSED_STREAM)} refused, then GOAWAY(ENHANCE_YOUR_CALM)")
    c.close()


def http1_pipeline(t, server, label):
    """HTTP/1.1: 20,000 pipelined requests from a client that reads no response: it is held (TCP), the server's
    memory stays bounded, and an honest client is answered meanwhile."""
    c = Conn(server, preface=False)
    c.sock.setblocking(False)
    data, sent = b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n" * 20000, 0
    deadline = time.monotonic() + 3
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += c.sock.send(data[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.01)
    t.ok(honest(server), f"{label}: an honest client is answered while {sent} bytes of requests wait")
    c.close()


def main(t):
    cert, key = t.certificate()
    sanitized = b"AddressSanitizer" in open(t.binary, "rb").read()
    args = ("--workers", "1", "--stall-timeout", str(STALL_S), "--handshake-timeout", "1")
    for server in (t.server(*args), t.server(*args, "--cert", cert, "--key", key)):
        t.require(honest(server), f"{server.url}: an honest client is answered")
        attack = Attack(t, server, sanitized)
        # Bounds in MiB: the HTTP/2 Bomb here pinned +7.6 before held streams were bounded, +1.8 since a held
        # stream is 1.6 KB (bench/README.md).
        attack("rapid reset", rapid_reset, 4)
        attack("MadeYouReset", made_you_reset, 4)
        attack("CONTINUATION flood", continuation_flood, 4)
        attack("HPACK bomb", hpack_bomb, 4)
        attack("HTTP/2 Bomb", http2_bomb, 3)
        attack("PING flood", flood("PING"), 6)
        attack("SETTINGS flood", flood("SETTINGS"), 6)
        attack("empty DATA flood", flood("DATA"), 6)
        attack("zero window", zero_window, 4)
        attack("slowloris", slowloris, 4)
        attack("stream-limit abuse", stream_limit, 4)
        if server.scheme == "http":  # HTTP/1.1 over TLS is the same session behind another transport
            attack("HTTP/1.1 pipelining unread", http1_pipeline, 4)
        server.check()
    # About 120 KB counted on each of the Bomb's connections: 1 MB holds 8 of them.
    budgeted = t.server("--workers", "1", "--stall-timeout", "0", "--worker-memory", "1000000")
    Attack(t, budgeted, sanitized)("worker memory budget", worker_budget, 3)
    budgeted.check()


run(main, timeout=150)
