"""h2serve's POST /sha256 and POST /echo (apps/demo_upload.c) with real clients: request bodies taken as they
come, never gathered.

- /sha256: a big upload with curl over h2c, and over HTTP/1.1 with a content-length and chunked, the answer
  compared with hashlib's; four 64 MiB uploads at once on one HTTP/2 connection (python3-h2).
- /echo: 64 MiB echoed with curl over h2c and HTTP/1.1, compared by sha256.
- /echo to a client that sends and never reads: over HTTP/2 the server stops granting window once its response
  is over the high-water mark (the request paused), so what it holds of the stream is bounded (see BOUND below);
  over HTTP/1.1 TCP holds the client. Once the client reads, the echo completes.
- Clients that reset or disconnect mid-upload: the server serves on (and, under ASan, leaks nothing: the fixture
  checks its stderr).

The big upload's size is H2SERVE_TEST_UPLOAD_MIB MiB (default 1024, 1 GiB); it is printed.
"""

import hashlib
import os
import random
import socket
import threading
import time

from h2serve_fixture import H2Client, need_python_h2, need_tool, run, send_until_held

need_python_h2()

CURL = need_tool("curl")

KiB, MiB = 1 << 10, 1 << 20
UPLOAD_MIB = int(os.environ.get("H2SERVE_TEST_UPLOAD_MIB", "1024"))

# What the HTTP/2 echo can hold back before the client is stopped, from the engine's defaults: the client's own
# receive window (python3-h2's 65535: the response it takes without reading), the response's high-water mark
# (stream_high_water_mark, 64 KiB: past it the write returns 0 and the request is paused) with the DATA frame that
# crossed it (16 KiB), and the stream's receive window (65535: a paused stream gets no WINDOW_UPDATE, so the
# client sends at most that much more). The server holds at most BOUND - CLIENT_WINDOW of the stream's bytes.
CLIENT_WINDOW, HIGH_WATER_MARK, FRAME, STREAM_WINDOW = 65535, 64 * KiB, 16 * KiB, 65535
BOUND = CLIENT_WINDOW + HIGH_WATER_MARK + FRAME + STREAM_WINDOW


def blocks(seed, mib):
    """mib MiB of deterministic bytes, a MiB at a time: seeded pseudo-random bytes, each MiB numbered in its first
    8 bytes, so that none is like another."""
    base = random.Random(seed).randbytes(MiB)[8:]
    for i in range(mib):
        yield i.to_bytes(8, "big") + base


def write_file(t, seed, mib):
    """A file of blocks(seed, mib): (its path, its sha256 in hex)."""
    path, sha = os.path.join(t.tmpdir(), f"upload-{seed}"), hashlib.sha256()
    with open(path, "wb") as f:
        for block in blocks(seed, mib):
            sha.update(block)
            f.write(block)
    return path, sha.hexdigest()


def curl_post(t, url, path, version, *extra):
    """POSTs the file at path with curl -v: (exit status, body, curl's stderr)."""
    flag = "--http1.1" if version == "1.1" else "--http2-prior-knowledge"
    result = t.client([CURL, flag, "-sSv", "--max-time", "100", "-T", path, "-X", "POST", *extra, url], timeout=110)
    return result.returncode, result.stdout, result.stderr.decode("latin-1")


def sha256_big(t, server):
    path, sha = write_file(t, 1, UPLOAD_MIB)
    size = UPLOAD_MIB * MiB
    t.diag(f"uploads of {UPLOAD_MIB} MiB (H2SERVE_TEST_UPLOAD_MIB)")
    for label, version, extra, framing in (
            ("h2c", "2", [], f"> content-length: {size}"),
            ("HTTP/1.1 with a content-length", "1.1", [], f"> Content-Length: {size}"),
            ("HTTP/1.1 chunked", "1.1", ["-H", "Transfer-Encoding: chunked"], "> Transfer-Encoding: chunked")):
        started = time.monotonic()
        status, body, err = curl_post(t, server.url + "sha256", path, version, *extra)
        took = time.monotonic() - started
        t.ok(status == 0 and framing in err, f"curl {label}: {UPLOAD_MIB} MiB sent ({framing[2:]}, {took:.1f} s)",
             f"exit {status}\n{err[-2000:]}")
        t.eq(body, f"{sha}\n".encode(), f"{label}: POST /sha256 answers the body's sha256")


def sha256_parallel(t, server):
    """Four 64 MiB uploads at once on one HTTP/2 connection, each sent as its window allows."""
    client = H2Client(server.port)
    uploads = {}
    for seed in range(10, 14):
        sid = client.request("/sha256", "POST", end_stream=False)
        uploads[sid] = {"blocks": blocks(seed, 64), "piece": memoryview(b""), "sha": hashlib.sha256(), "done": False}
    deadline = time.monotonic() + 60
    while not all(u["done"] for u in uploads.values()) and time.monotonic() < deadline:
        for sid, u in uploads.items():
            while not u["done"]:
                if not u["piece"]:
                    block = next(u["blocks"], None)
                    if block is None:
                        client.send_data(sid, b"", end_stream=True)
                        u["done"] = True
                        break
                    u["sha"].update(block)
                    u["piece"] = memoryview(block)
                n = client.send_data(sid, u["piece"])
                if not n:
                    break
                u["piece"] = u["piece"][n:]
        client.receive(0.001)  # WINDOW_UPDATEs
    t.ok(client.pump(list(uploads), timeout=max(1, deadline - time.monotonic())),
         "four 64 MiB uploads at once on one HTTP/2 connection: all answered")
    t.eq([client.streams[sid]["body"] for sid in uploads], [f"{u['sha'].hexdigest()}\n".encode() for u in uploads.values()],
         "each with its own body's sha256")
    client.close()


def echo(t, server):
    path, sha = write_file(t, 2, 64)
    for version in ("2", "1.1"):
        flag = "--http1.1" if version == "1.1" else "--http2-prior-knowledge"
        got = t.stream_download([CURL, flag, "-sS", "--max-time", "60", "-T", path, "-X", "POST",
                                 server.url + "echo"], timeout=70)
        t.ok(got and got[:3] == (0, 64 * MiB, sha), f"HTTP/{version}: POST /echo of 64 MiB: the same bytes back",
             got and got[3])


def echo_unread_http2(t, server):
    client = H2Client(server.port)
    client.acknowledge = False  # the echo fills the client's window, and stays there
    sid = client.request("/echo", "POST", end_stream=False)
    total, sent, stalled_since = 4 * MiB, 0, None
    body = bytes(range(256)) * (total // 256)
    deadline = time.monotonic() + 10
    while sent < total and time.monotonic() < deadline:
        n = client.send_data(sid, memoryview(body)[sent:])
        sent += n
        if n:
            stalled_since = None
        elif time.monotonic() - (stalled_since := stalled_since or time.monotonic()) >= 1:
            break
        client.receive(0.01)
    window = client.conn.local_flow_control_window(sid)
    t.ok(stalled_since and window == 0,
         f"HTTP/2: a client that does not read its echo is stopped: no window for a second ({sent} bytes sent)")
    t.ok(CLIENT_WINDOW + HIGH_WATER_MARK <= sent <= BOUND,
         f"HTTP/2: after the client's window and the high-water mark, at most a frame and the stream's window more "
         f"({CLIENT_WINDOW + HIGH_WATER_MARK} <= {sent} <= {BOUND})")
    got = t.curl(server.url + "hello")
    t.ok(got and got[:2] == (200, b"Hello, World!"), "meanwhile another connection is served")

    client.acknowledge = True
    client.conn.acknowledge_received_data(len(client.streams[sid]["body"]), sid)
    client.flush()
    while sent < total and time.monotonic() < deadline + 20:
        sent += client.send_data(sid, memoryview(body)[sent:], end_stream=True)
        client.receive(0.01)
    t.ok(client.pump([sid]) and client.streams[sid]["body"] == body,
         "HTTP/2: once the client reads, the rest goes through and the whole 4 MiB come back")
    client.close()


def dechunk(data):
    """The body of a chunked message, trailers ignored."""
    body, pos = bytearray(), 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if not size:
            return bytes(body)
        body += data[end + 2:end + 2 + size]
        pos = end + 2 + size + 2


def echo_unread_http1(t, server):
    total = 64 * MiB
    body = bytes(range(256)) * (total // 256)
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(f"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
                 .encode())
    sent = send_until_held(sock, body)
    t.ok(sent < total, f"HTTP/1.1: a client that sends 64 MiB to /echo and does not read is held "
                       f"({sent / MiB:.1f} MiB sent)")

    response = bytearray()

    def read():
        while chunk := sock.recv(1 << 20):
            response.extend(chunk)

    sock.setblocking(True)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sock.sendall(memoryview(body)[sent:])
    reader.join(30)
    sock.close()
    head, _, chunked = bytes(response).partition(b"\r\n\r\n")
    t.ok(head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower() and
         dechunk(chunked) == body, "HTTP/1.1: once it reads, the whole 64 MiB come back", head[:300])


def gone_midway(t, server):
    reset = H2Client(server.port)
    sids = [reset.request(path, "POST", end_stream=False) for path in ("/echo", "/sha256")]
    for sid in sids:
        reset.send_data(sid, bytes(60 * KiB))
    reset.receive(0.2)
    for sid in sids:
        reset.reset(sid)
    got = reset.get("/hello")
    t.ok(got and got["body"] == b"Hello, World!", "HTTP/2: uploads reset mid-way; the connection is served on")
    reset.close()

    cut = H2Client(server.port)
    for path in ("/echo", "/sha256"):
        cut.send_data(cut.request(path, "POST", end_stream=False), bytes(60 * KiB))
    cut.receive(0.2)
    cut.close()
    for path in ("/echo", "/sha256"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {MiB}\r\n\r\n".encode()
                         + bytes(100 * KiB))
            time.sleep(0.1)
    got = t.curl(server.url + "hello")
    t.ok(got and got[:2] == (200, b"Hello, World!"),
         "connections cut mid-upload (HTTP/2 and HTTP/1.1): the server serves on")


def main(t):
    server = t.server()
    got = t.curl(server.url + "sha256")
    t.ok(got and got[0] == 405 and got[2].get("allow") == "POST", "GET /sha256: 405, allow POST", got)
    got = t.curl(server.url + "sha256", "-X", "POST")
    t.eq(got and got[:2], (200, hashlib.sha256(b"").hexdigest().encode() + b"\n"), "POST /sha256 without a body")
    got = t.curl(server.url + "echo", "-X", "POST", version="1.1")
    t.ok(got and got[:2] == (200, b"") and got[2].get("content-length") == "0", "POST /echo without a body", got)
    sha256_big(t, server)
    sha256_parallel(t, server)
    echo(t, server)
    echo_unread_http2(t, server)
    echo_unread_http1(t, server)
    gone_midway(t, server)
    server.check()


if __name__ == "__main__":
    run(main, timeout=270)
