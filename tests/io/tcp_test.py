"""Outbound TCP connections (h2ring/loop.h: h2r_tcp_*) in an application of their own, tests/io/tcp_server.c, with
real peers on loopback that this test runs: a request's handler connects to one, writes a pattern, reads it back and
answers with what came back.

- An echo peer: small and 8 MiB relays come back whole (the writes wait for on_drain past the high-water mark), over
  IPv4 and IPv6; every byte written is released. With the echoed bytes as the response's body and a client that
  reads slowly, the upstream is paused and resumed (a proxy's backpressure), and the body is whole.
- h2r_tcp_connect from another thread: H2R_ERR_WRONG_THREAD. A closed port: on_connect with -ECONNREFUSED, 502. A listener whose accept queue is full (backlog 0, filled by
  connections it never accepts: Linux then drops new SYNs, so the connect hangs): the 300 ms timeout, -ETIMEDOUT,
  504, on time. A host name: 400 (numeric addresses only).
- A peer that resets the connection mid-transfer: on_error (or on_end, short), 502.
- A client that resets its stream (HTTP/2) or its connection (HTTP/1.1) while the upstream is in flight: the
  upstream is closed (its peer sees the end), and no relay is left open.
- A connection no request holds any more, open when the server closes: closed then (its on_close runs, its peer
  sees the end), and the server exits clean (LSan in an ASan build).
"""

import hashlib
import http.client
import socket
import struct
import threading
import time

from h2serve_fixture import free_port, full_listener, need_python_h2, run

h2 = need_python_h2()

KiB, MiB = 1 << 10, 1 << 20
ECONNREFUSED, ETIMEDOUT = 111, 110
H2R_ERR_WRONG_THREAD = -512
PATTERN = bytes((i * 31 + (i >> 8) * 7) & 255 for i in range(65536))  # tcp_server.c's


def pattern(n):
    return (PATTERN * (n // len(PATTERN) + 1))[:n]


class Peer:
    """A TCP peer on a free loopback port; handle(sock) runs in a thread per connection."""

    def __init__(self, handle, family=socket.AF_INET, host="127.0.0.1"):
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.bind((host, 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.handle = handle
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.set()
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock):
        with sock:
            try:
                self.handle(sock)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def echo(sock):
    while data := sock.recv(64 * KiB):
        sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)


def reset_after_64k(sock):
    got = 0
    while got < 64 * KiB and (data := sock.recv(64 * KiB)):
        got += len(data)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def get(port, path, timeout=20):
    """GET path over HTTP/1.1: (status, headers with lowercase names, body, seconds)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body, time.monotonic() - started
    finally:
        conn.close()


def relay(t, server, port, n, what, host=None):
    path = f"/relay?port={port}&n={n}" + (f"&host={host}" if host else "")
    status, headers, _, _ = get(server.port, path)
    t.eq((status, headers.get("x-bytes"), headers.get("x-match")), (200, str(n), "1"),
         f"{what}: {n} bytes written to the echo peer come back equal")
    t.eq(headers.get("x-released"), str(n), f"{what}: and every write was released")


def echoes(t, server):
    peer = Peer(echo)
    drains_before = int(get(server.port, "/stats")[1]["x-drains"])
    relay(t, server, peer.port, 1000, "small")
    relay(t, server, peer.port, 8 * MiB, "8 MiB")
    drains = int(get(server.port, "/stats")[1]["x-drains"]) - drains_before
    t.ok(drains > 0, f"8 MiB: the writes waited for on_drain ({drains} times)")
    try:
        peer6 = Peer(echo, socket.AF_INET6, "::1")
    except OSError:
        t.diag("no IPv6 on loopback: the ::1 relay is not tried")
    else:
        relay(t, server, peer6.port, 256 * KiB, "IPv6", host="::1")
        peer6.close()
    peer.close()


def proxied_body(t, server):
    """The echoed bytes as the body, read slowly through a small window: the upstream is paused and resumed."""
    peer = Peer(echo)
    n = 8 * MiB
    pauses_before = int(get(server.port, "/stats")[1]["x-pauses"])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * KiB)
    sock.settimeout(20)
    sock.connect(("127.0.0.1", server.port))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    conn.sock = sock
    conn.request("GET", f"/relay?port={peer.port}&n={n}&body=1")
    resp = conn.getresponse()
    time.sleep(0.5)
    digest, got = hashlib.sha256(), 0
    while piece := resp.read(256 * KiB):
        digest.update(piece)
        got += len(piece)
        time.sleep(0.005)
    conn.close()
    t.eq((resp.status, got), (200, n), "body=1: the 8 MiB echoed come as the response's body")
    t.eq(digest.hexdigest(), hashlib.sha256(pattern(n)).hexdigest(), "body=1: equal to what was written")
    pauses = int(get(server.port, "/stats")[1]["x-pauses"]) - pauses_before
    t.ok(pauses > 0, f"body=1: the upstream was paused while the response was behind, and resumed ({pauses} times)")
    peer.close()


def failures(t, server):
    t.eq(get(server.port, "/foreign")[1].get("x-connect"), str(H2R_ERR_WRONG_THREAD),
         "h2r_tcp_connect from another thread: H2R_ERR_WRONG_THREAD")
    status, headers, _, _ = get(server.port, f"/relay?port={free_port()}&n=100000")
    t.eq((status, headers.get("x-error")), (502, str(ECONNREFUSED)), "a closed port: -ECONNREFUSED, 502")
    t.eq(headers.get("x-released"), headers.get("x-written"), "and what was queued before the connect is released")

    listener, fillers = full_listener()
    status, headers, _, elapsed = get(server.port, f"/relay?port={listener.getsockname()[1]}&n=1000&timeout=300")
    t.eq((status, headers.get("x-error")), (504, str(ETIMEDOUT)), "a full accept queue: the connect times out, 504")
    t.ok(0.3 <= elapsed < 1.5, f"after its 300 ms timeout ({elapsed:.3f} s)")
    for s in fillers:
        s.close()
    listener.close()

    t.eq(get(server.port, f"/relay?port=1&n=10&host=localhost")[0], 400, "a host name: 400 (numeric addresses only)")

    peer = Peer(reset_after_64k)
    status, headers, _, _ = get(server.port, f"/relay?port={peer.port}&n={64 * MiB}")
    t.ok(status == 502 and int(headers.get("x-bytes", -1)) < 64 * MiB,
         "a peer that resets mid-transfer: 502, the relay short", f"{status} {headers}")
    t.eq(headers.get("x-released"), headers.get("x-written"), "and every write is released")
    peer.close()


class Holder:
    """A peer that reads nothing until told to, then everything until the end: what it got, and whether it ended."""

    def __init__(self):
        self.release = threading.Event()
        self.ended = threading.Event()
        self.got = 0
        self.peer = Peer(self.hold)

    def hold(self, sock):
        self.release.wait(30)
        sock.settimeout(10)
        while data := sock.recv(256 * KiB):
            self.got += len(data)
        self.ended.set()


def open_relays(server):
    deadline = time.monotonic() + 5
    while (n := int(get(server.port, "/stats")[1]["x-open"])) and time.monotonic() < deadline:
        time.sleep(0.05)
    return n


def abandoned(t, server):
    n = 256 * MiB
    holder = Holder()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.send_headers(1, [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"),
                          (":path", f"/relay?port={holder.peer.port}&n={n}")], end_stream=True)
    sock.sendall(conn.data_to_send())
    t.require(holder.peer.accepted.wait(5), "HTTP/2: the handler connects to the peer")
    time.sleep(0.2)
    conn.reset_stream(1, h2.errors.ErrorCodes.CANCEL)
    sock.sendall(conn.data_to_send())
    holder.release.set()
    t.ok(holder.ended.wait(10) and holder.got < n,
         f"HTTP/2: the stream reset, the upstream is closed mid-transfer ({holder.got} bytes of {n})")
    t.eq(open_relays(server), 0, "HTTP/2: no relay is left open")
    sock.close()

    holder = Holder()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"GET /relay?port={holder.peer.port}&n={n} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    t.require(holder.peer.accepted.wait(5), "HTTP/1.1: the handler connects to the peer")
    time.sleep(0.2)
    # Reset, not a FIN: an HTTP/1.1 client's FIN still gets its response (io/conn.c's PEER_FINISHED).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    holder.release.set()
    t.ok(holder.ended.wait(10) and holder.got < n,
         f"HTTP/1.1: the connection cut, the upstream is closed mid-transfer ({holder.got} bytes of {n})")
    t.eq(open_relays(server), 0, "HTTP/1.1: no relay is left open")


def at_close(t, server):
    holder = Holder()
    t.eq(get(server.port, f"/detach?port={holder.peer.port}&n={256 * MiB}")[0], 204, "a detached relay starts")
    t.require(holder.peer.accepted.wait(5), "and connects to its peer")
    # The peer reads nothing until the server is gone: the relay cannot end but by the server's close.
    server.check()
    holder.release.set()
    t.ok("detached relay closed" in server.stdout_lines, "closing the server closes it: its on_close runs",
         str(server.stdout_lines))
    t.ok(holder.ended.wait(10), f"and its peer sees the end ({holder.got} bytes)")


def main(t):
    server = t.server()
    echoes(t, server)
    proxied_body(t, server)
    failures(t, server)
    abandoned(t, server)
    at_close(t, server)


if __name__ == "__main__":
    run(main, timeout=90)
