"""h2serve's shutdown (see include/h2ring/server.h): the first SIGTERM drains, the second one ends the process.

Usage: shutdown_test.py H2SERVE [graceful|deadline]
  graceful  a 50 MiB download read slowly by curl survives a SIGTERM: it completes with the right sha256,
            h2serve exits 0 right after it, and connections tried after the signal are refused; a second
            SIGTERM during a drain ends h2serve at once; SIGINT is a SIGTERM.
  deadline  a client that stops reading cannot hold up the shutdown past its deadline (10 s).
"""

import errno
import hashlib
import os
import signal
import socket
import struct
import sys
import time

from h2serve_fixture import need_tool, run

SIZE = 50 << 20
SHUTDOWN_TIMEOUT = 10  # h2r_server_config's default


def big_root(t):
    root = t.tmpdir()
    data = os.urandom(SIZE)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(data)
    return root, hashlib.sha256(data).hexdigest()


def wait_for(cond, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def try_connect(port):
    """'connected', or the errno name of the failure."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            # A connection still in a backlog when the listener shut is reset: see it as the client would.
            s.settimeout(1)
            try:
                return "connected" if s.recv(1) else "connected, then closed"
            except socket.timeout:
                return "connected"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e))


def download(t, curl, server, rate):
    out = os.path.join(t.tmpdir(), "big.out")
    proc = t.spawn([curl, "--http2-prior-knowledge", "-sS", "--max-time", "60", "--limit-rate", rate, "-o", out,
                    server.url + "big.bin"])
    return proc, out


def graceful(t):
    curl = need_tool("curl")
    root, digest = big_root(t)

    server = t.server("--root", root, "--workers", "2")
    proc, out = download(t, curl, server, "20M")
    t.require(wait_for(lambda: file_size(out) >= 4 << 20, 15), "the download is under way (4 MiB in)")
    server.signal(signal.SIGTERM)
    signalled = time.monotonic()

    # Both workers' listeners stop at once; give the signal a moment to reach them.
    refused = wait_for(lambda: try_connect(server.port) == "ECONNREFUSED", 2, step=0.01)
    t.ok(refused, f"a connection tried after SIGTERM is refused (within {time.monotonic() - signalled:.2f} s)")
    later = [try_connect(server.port) for _ in range(5)]
    t.eq(later, ["ECONNREFUSED"] * 5, "and so are the next ones")
    t.ok(proc.poll() is None and server.proc.poll() is None,
         "the download was still running when the signal came (the drain is tested)")

    status, _, err = t.finish(proc, 60)
    finished = time.monotonic()
    t.eq(status, 0, "curl completes the download")
    if status:
        t.diag(err.decode("latin-1"))
    t.eq(file_size(out), SIZE, "all 50 MiB arrived")
    with open(out, "rb") as f:
        t.eq(hashlib.sha256(f.read()).hexdigest(), digest, "with the right sha256")
    t.eq(server.wait(SHUTDOWN_TIMEOUT + 5), 0, "h2serve exits 0 after the drain")
    t.ok(time.monotonic() - finished < 3, f"h2serve exits soon after the last stream ends "
         f"({time.monotonic() - finished:.2f} s after curl, {time.monotonic() - signalled:.2f} s after SIGTERM)")
    server.check()

    # A second signal while draining: exit at once, by the signal's default action.
    server = t.server("--root", root, "--workers", "2")
    proc, out = download(t, curl, server, "1M")
    t.require(wait_for(lambda: file_size(out) >= 256 << 10, 15), "a slow download is under way")
    server.signal(signal.SIGTERM)
    time.sleep(0.3)
    t.ok(server.proc.poll() is None, "after one SIGTERM h2serve still drains the slow download")
    server.signal(signal.SIGTERM)
    second = time.monotonic()
    status = server.wait(5)
    t.eq(status, -signal.SIGTERM, "a second SIGTERM ends h2serve by that signal")
    t.ok(status is not None and time.monotonic() - second < 1,
         f"at once ({time.monotonic() - second:.2f} s)")
    proc.kill()
    t.finish(proc, 10)
    server.check(expect_status=-signal.SIGTERM)

    # SIGINT starts the same graceful shutdown.
    server = t.server("--workers", "2")
    server.signal(signal.SIGINT)
    t.eq(server.wait(5), 0, "an idle h2serve exits 0 on SIGINT")
    server.check()


def raw_request(path):
    """The client preface, SETTINGS with the largest stream window, the largest connection window, and a GET
    for path (HPACK by hand: indexed :method GET and :scheme http, literal :path and :authority)."""
    def frame(ftype, flags, stream, payload):
        return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", ftype, flags, stream) + payload
    block = b"\x82\x86" + b"\x04" + bytes([len(path)]) + path + b"\x01\x09127.0.0.1"
    return (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(0x4, 0, 0, struct.pack(">HI", 0x4, 0x7FFFFFFF))
            + frame(0x8, 0, 0, struct.pack(">I", 0x7FFFFFFF - 65535)) + frame(0x1, 0x5, 1, block))


def deadline(t):
    root, _ = big_root(t)
    server = t.server("--root", root, "--workers", "1")
    # Flow control would let the server stop cleanly; only TCP stops it here: its send stays pending.
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.settimeout(5)
    stuck.connect(("127.0.0.1", server.port))
    stuck.sendall(raw_request(b"/big.bin"))
    time.sleep(1)
    server.signal(signal.SIGTERM)
    signalled = time.monotonic()
    t.ok(wait_for(lambda: try_connect(server.port) == "ECONNREFUSED", 2, step=0.01),
         "new connections are refused during the drain")
    status = server.wait(SHUTDOWN_TIMEOUT + 10)
    elapsed = time.monotonic() - signalled
    t.eq(status, 0, "h2serve exits 0 though a client stopped reading")
    t.ok(status is not None and SHUTDOWN_TIMEOUT - 1 < elapsed < SHUTDOWN_TIMEOUT + 4,
         f"at the shutdown deadline of {SHUTDOWN_TIMEOUT} s ({elapsed:.1f} s)")
    stuck.close()
    server.check()


MODES = {"graceful": (graceful, 90), "deadline": (deadline, 60)}
mode = sys.argv[2] if len(sys.argv) > 2 else "graceful"
run(MODES[mode][0], timeout=MODES[mode][1])
