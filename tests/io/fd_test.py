"""h2r_stream_respond_with_fd (Node's respondWithFD) from an application of its own, tests/io/fd_server.c, with
real clients: whole files checked by sha256 (curl over h2c and HTTP/1.1, nghttp, several streams at once), ranges
through the options' offset and length, HEAD, an empty file, and clients that go away mid-way (an RST_STREAM on a
connection that then carries on, connections cut) while the server goes on serving. After each of these, every
file the application opened must be closed again: it closes them in on_stream_close, as h2r_file.h asks.

The reset goes through python3-h2's client (h2.connection), which controls the windows to stop the file mid-way.
"""

import hashlib
import os
import socket
import struct
import time

from h2serve_fixture import need_python_h2, need_tool, run, write_random_file

h2 = need_python_h2()

CURL = need_tool("curl")
NGHTTP = need_tool("nghttp")

MiB = 1 << 20
BIG_MIB = 8
BIG_SIZE = BIG_MIB * MiB


class Files:
    """The served directory: a big random file (kept in memory, for the ranges), a smaller one, an empty one."""

    def __init__(self, t):
        self.dir = t.tmpdir()
        self.sha = {}
        path = os.path.join(self.dir, "big.bin")
        self.sha["big.bin"], _ = write_random_file(path, BIG_MIB)
        with open(path, "rb") as f:
            self.big = f.read()
        self.sha["other.bin"], _ = write_random_file(os.path.join(self.dir, "other.bin"), 3)
        open(os.path.join(self.dir, "empty.bin"), "wb").close()


def open_files(t, server):
    """How many files fd_server holds open, as its /open-files says (-1 if it did not say)."""
    result = t.client([CURL, "--http2-prior-knowledge", "-sS", "--max-time", "10", "-o", os.devnull, "-D", "-",
                       server.url + "open-files"], timeout=20)
    for line in result.stdout.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "x-open-files":
            return int(value)
    return -1


def all_closed(t, server, after):
    """Asserts that fd_server closes every file it opened: at once, or within a few seconds for the streams
    whose end the server has yet to see (a connection cut, say)."""
    deadline = time.monotonic() + 5
    while (count := open_files(t, server)) > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    t.eq(count, 0, f"after {after}: every file the application opened is closed")


def download(t, label, args, size, sha):
    """Runs a client that writes one body to stdout, and checks its length and sha256."""
    got = t.stream_download(args, timeout=60)
    if got is None:
        return
    status, n, digest, stderr = got
    t.ok(status == 0, f"{label}: exits 0", stderr)
    t.eq(n, size, f"{label}: {size} bytes")
    t.eq(digest, sha, f"{label}: the file's sha256")


def whole_files(t, server, files):
    for version, flag in (("2", "--http2-prior-knowledge"), ("1.1", "--http1.1")):
        download(t, f"curl {flag} /big.bin", [CURL, flag, "-sS", "--max-time", "50", server.url + "big.bin"],
                 BIG_SIZE, files.sha["big.bin"])
        got = t.curl(server.url + "big.bin", "--head", version=version)
        if got:
            code, body, headers = got
            t.eq((code, headers.get("content-length"), body), (200, str(BIG_SIZE), b""),
                 f"HTTP/{version} HEAD /big.bin: 200, the file's content-length, no body")
        got = t.curl(server.url + "empty.bin", version=version)
        if got:
            code, body, headers = got
            t.eq((code, headers.get("content-length"), body), (200, "0", b""),
                 f"HTTP/{version} GET /empty.bin: 200, content-length 0, no body")
        got = t.curl(server.url + "absent.bin", version=version)
        if got:
            t.eq(got[0], 404, f"HTTP/{version} GET /absent.bin: 404 (the application's answer to a failed open)")
    download(t, "nghttp /big.bin", [NGHTTP, "-t", "50", server.url + "big.bin"], BIG_SIZE, files.sha["big.bin"])
    all_closed(t, server, "whole files and HEAD")


def closed_at_once(t, server, files):
    """The application closes its fd as soon as respond_with_fd returns: the runtime reads its own duplicate."""
    for flag in ("--http2-prior-knowledge", "--http1.1"):
        download(t, f"curl {flag} /at-once/big.bin", [CURL, flag, "-sS", "--max-time", "50",
                                                      server.url + "at-once/big.bin"], BIG_SIZE, files.sha["big.bin"])
    download(t, "nghttp /at-once/big.bin", [NGHTTP, "-t", "50", server.url + "at-once/big.bin"], BIG_SIZE,
             files.sha["big.bin"])


def ranges(t, server, files):
    # (offset, length): inside the file, from an odd offset across a MiB, to the end (-1), cut at the end, an
    # offset past the end (nothing), a length of 0.
    cases = [(1000, 5000), (MiB + 7, MiB), (BIG_SIZE - 100, -1), (BIG_SIZE - 100, 1000), (BIG_SIZE + 10, 5), (0, 0)]
    for version in ("2", "1.1"):
        for offset, length in cases:
            path = f"range/{offset}/{length}/big.bin"
            want = files.big[offset:] if length < 0 else files.big[offset:offset + length]
            got = t.curl(server.url + path, version=version)
            if got:
                code, body, headers = got
                t.eq((code, headers.get("content-length")), (200, str(len(want))),
                     f"HTTP/{version} GET /{path}: 200, content-length {len(want)}")
                t.ok(body == want, f"HTTP/{version} GET /{path}: the file's bytes from {offset}",
                     f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}")
        path = f"range/{MiB}/{MiB}/big.bin"
        got = t.curl(server.url + path, "--head", version=version)
        if got:
            t.eq((got[0], got[2].get("content-length"), got[1]), (200, str(MiB), b""),
                 f"HTTP/{version} HEAD /{path}: 200, the range's content-length, no body")
    all_closed(t, server, "ranges")


def concurrent(t, server, files):
    """Several files at once on one HTTP/2 connection: each stream sends from its own descriptor."""
    out = t.tmpdir()
    names = ["big.bin", "other.bin", "big.bin", "other.bin"]
    args = [CURL, "--http2-prior-knowledge", "--parallel", "--parallel-immediate", "-sS", "--max-time", "50"]
    for i, name in enumerate(names):
        args += ["-o", os.path.join(out, f"{i}"), server.url + name]
    result = t.client(args, timeout=60)
    t.ok(result.returncode == 0, "curl --parallel: 4 downloads on one connection succeed",
         result.stderr.decode("latin-1"))
    for i, name in enumerate(names):
        digest = None
        if os.path.exists(os.path.join(out, f"{i}")):
            with open(os.path.join(out, f"{i}"), "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
        t.eq(digest, files.sha[name], f"curl --parallel: download {i} ({name}) has the file's sha256")
    all_closed(t, server, "concurrent downloads")


class H2Client:
    """python3-h2's client on one connection: a big connection window, stream windows opened only for the
    streams whose data is acknowledged (so that a stream left alone stops mid-way)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.conn.increment_flow_control_window(1 << 30)
        self.bodies, self.statuses, self.ended, self.resets = {}, {}, set(), {}
        self.flush()

    def flush(self):
        self.sock.sendall(self.conn.data_to_send())

    def get(self, path):
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"),
                                           (":path", path)], end_stream=True)
        self.bodies[stream_id] = bytearray()
        self.flush()
        return stream_id

    def run_until(self, done, acknowledged, timeout=30):
        """Reads until done() (True) or the connection ends or the timeout (False); the data of the streams in
        acknowledged is given back to their windows."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                return False
            if not data:
                return False
            for event in self.conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    self.statuses[event.stream_id] = dict(event.headers).get(":status")
                elif isinstance(event, h2.events.DataReceived):
                    self.bodies[event.stream_id] += event.data
                    if event.stream_id in acknowledged:
                        self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    self.ended.add(event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    self.resets[event.stream_id] = event.error_code
            self.flush()
        return True

    def close(self):
        self.conn.close_connection()
        self.flush()
        self.sock.close()


def reset_midway(t, server, files):
    """An RST_STREAM (CANCEL) while the file is being sent, then more files on the same connection."""
    client = H2Client(server.port)
    try:
        cancelled = client.get("/big.bin")
        other = client.get("/other.bin")
        # The cancelled stream's window is never opened again: the server is stuck mid-way (64 KiB at most).
        started = client.run_until(lambda: len(client.bodies[cancelled]) > 0, acknowledged={other})
        t.ok(started, "h2 client: the file starts coming")
        client.conn.reset_stream(cancelled, h2.errors.ErrorCodes.CANCEL)
        client.flush()
        t.ok(0 < len(client.bodies[cancelled]) < BIG_SIZE, "h2 client: the stream is reset mid-way",
             f"{len(client.bodies[cancelled])} bytes")
        again = client.get("/big.bin")
        done = client.run_until(lambda: {other, again} <= client.ended, acknowledged={other, again}, timeout=60)
        t.ok(done, "h2 client: the other file and the reset one again end on the same connection",
             f"ended {client.ended}, reset {client.resets}")
        for stream_id, name in ((other, "other.bin"), (again, "big.bin")):
            t.eq((client.statuses.get(stream_id), hashlib.sha256(client.bodies[stream_id]).hexdigest()),
                 ("200", files.sha[name]), f"h2 client: stream {stream_id} ({name}): 200, the file's sha256")
        t.eq(client.resets, {}, "h2 client: the server reset no stream")
    finally:
        client.close()
    all_closed(t, server, "an RST_STREAM mid-way")


def reset_socket(sock):
    """Closes sock with an RST (SO_LINGER 0): the connection is cut, not ended."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def cut_midway(t, server, files):
    """Clients that cut their connection mid-file, over HTTP/2 and HTTP/1.1, then others served."""
    client = H2Client(server.port)
    stream_id = client.get("/big.bin")
    # As above, the stream's window is never opened again: the server is stuck mid-way.
    t.ok(client.run_until(lambda: len(client.bodies[stream_id]) > 0, acknowledged=set()),
         "HTTP/2 cut: the file starts coming")
    reset_socket(client.sock)

    # Without flow control, a small receive buffer keeps most of the file on the server's side.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    received = b""
    while len(received) < 1 << 16 and (data := sock.recv(1 << 16)):
        received += data
    t.ok(received.startswith(b"HTTP/1.1 200") and len(received) >= 1 << 16, "HTTP/1.1 cut: the file starts coming",
         f"{len(received)} bytes: {received[:200]!r}")
    reset_socket(sock)

    for flag in ("--http2-prior-knowledge", "--http1.1"):
        download(t, f"curl {flag} /other.bin after that", [CURL, flag, "-sS", "--max-time", "50",
                                                           server.url + "other.bin"], 3 * MiB, files.sha["other.bin"])
    all_closed(t, server, "connections cut mid-way")


def main(t):
    files = Files(t)
    server = t.server(files.dir)
    whole_files(t, server, files)
    closed_at_once(t, server, files)
    ranges(t, server, files)
    concurrent(t, server, files)
    reset_midway(t, server, files)
    cut_midway(t, server, files)
    server.check()


if __name__ == "__main__":
    run(main, timeout=90)
