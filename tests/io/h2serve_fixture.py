"""Shared runner for the tests of h2serve with real clients (tests/io).

Each test script calls run(main, ...): main(t) gets a Tap, starts servers
with t.server(...), runs clients with t.client(...) and asserts with t.ok()
and friends. Every wait has a timeout, a watchdog bounds the whole script,
and whatever way the script ends (an assertion, an exception, the watchdog,
meson's SIGTERM on its own timeout) every h2serve it started is killed.

Each server is stopped with SIGTERM at the end of its test, which must end
it with status 0 (a graceful shutdown), and its stderr must hold no
sanitizer report: an ASan/UBSan build of h2serve is tested this way.
"""

import fcntl
import hashlib
import http.server
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# A sanitizer report on h2serve's stderr fails the test even when the process survived it (UBSan by default).
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")
# http:// in cleartext, https:// with --cert and --key.
URL_LINE = re.compile(r"^[\w-]+ listening on ((https?)://127\.0\.0\.1:(\d+)/)$")  # h2serve or fd_server


class Abort(Exception):
    """Ends the test early: what failed has been reported already."""


class Server:
    """One h2serve process on 127.0.0.1 with a free port; see Tap.server."""

    # What makes the program listen on 127.0.0.1 with a free port (examples/ only take --port: 127.0.0.1 is theirs).
    LISTEN_ARGS = ("--host", "127.0.0.1", "--port", "0")

    def __init__(self, tap, binary, args, start_timeout):
        self.tap = tap
        self.args = list(args)
        self.label = " ".join([os.path.basename(binary)] + self.args)
        self.stderr_file = tempfile.TemporaryFile()
        self.stdout_lines = []
        self.returncode = None
        self.checked = False
        env = dict(os.environ)
        # Sanitizer reports must be loud and final; the caller's settings (scripts/test.sh) win.
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        cmd = [binary, *self.LISTEN_ARGS] + self.args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.stderr_file)
        self.pid = self.proc.pid
        tap.servers.append(self)
        # The first line is the URL; a thread waits for it (and keeps stdout drained afterwards,
        # where --access-log - writes) so that a server that never says it listens cannot hang us.
        first_line = threading.Event()
        self._reader = threading.Thread(target=self._read_stdout, args=(first_line,), daemon=True)
        self._reader.start()
        first_line.wait(start_timeout)
        match = URL_LINE.match(self.stdout_lines[0]) if self.stdout_lines else None
        if not match:
            self.kill()
            tap.fail(f"{self.label} starts and prints its URL",
                     f"stdout: {self.stdout_lines!r}\nstderr: {self.stderr()}")
            raise Abort()
        self.url = match.group(1)  # http://127.0.0.1:PORT/ or https://127.0.0.1:PORT/
        self.scheme = match.group(2)
        self.port = int(match.group(3))

    def _read_stdout(self, first_line):
        for raw in self.proc.stdout:
            self.stdout_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
            first_line.set()
        first_line.set()

    def stderr(self):
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode("utf-8", "replace")

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout):
        """The exit status, or None if the server is still running after timeout seconds."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(5)
        return self.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(10)

    def stop(self, timeout=20):
        """SIGTERM, then the exit status (SIGKILL and None if the graceful shutdown hangs)."""
        self.signal(signal.SIGTERM)
        status = self.wait(timeout)
        if status is None:
            self.kill()
        return status

    def check(self, expect_status=0):
        """Asserts the exit status and a clean stderr; stops the server first if it still runs."""
        if self.checked:
            return
        self.checked = True
        status = self.returncode if self.proc.poll() is not None else self.stop()
        if expect_status is not None:
            self.tap.eq(status, expect_status, f"{self.label} exits with {expect_status}")
        err = self.stderr()
        reports = [m for m in SANITIZER_MARKERS if m in err]
        self.tap.ok(not reports, f"{self.label}: no sanitizer report on stderr",
                    err[-4000:] if reports else None)


class Tap:
    """TAP output: one line per assertion, the plan at the end."""

    def __init__(self, binary):
        self.binary = binary
        self.count = 0
        self.failed = 0
        self.servers = []
        self.children = []
        self.tmpdirs = []

    def ok(self, cond, desc, diag=None):
        self.count += 1
        if not cond:
            self.failed += 1
        print(f"{'ok' if cond else 'not ok'} {self.count} - {desc}", flush=True)
        if not cond and diag:
            self.diag(diag)
        return bool(cond)

    def fail(self, desc, diag=None):
        return self.ok(False, desc, diag)

    def eq(self, got, want, desc):
        return self.ok(got == want, desc, f"got:  {got!r}\nwant: {want!r}")

    def diag(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)

    def require(self, cond, desc, diag=None):
        """An assertion the rest of the test depends on: a failure ends it."""
        if not self.ok(cond, desc, diag):
            raise Abort()

    def server(self, *args, start_timeout=15):
        """Starts h2serve with args on 127.0.0.1, port 0; returns the Server (its url, scheme and port)."""
        return Server(self, self.binary, args, start_timeout)

    def client(self, args, timeout, **kwargs):
        """Runs a client to completion (killed after timeout seconds, which fails the test)."""
        try:
            return subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, **kwargs)
        except subprocess.TimeoutExpired as e:
            self.fail(f"{os.path.basename(args[0])} finishes within {timeout} s", f"command: {args}")
            raise Abort() from e

    def spawn(self, args, **kwargs):
        """Starts a client in the background (see finish); it is killed if the test ends first."""
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                **kwargs)
        self.children.append(proc)
        return proc

    def finish(self, proc, timeout):
        """Waits for a spawned client: (status, stdout, stderr); killed after timeout seconds, which fails the test."""
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as e:
            proc.kill()
            proc.communicate()
            self.fail(f"{os.path.basename(proc.args[0])} finishes within {timeout} s", f"command: {proc.args}")
            raise Abort() from e
        return proc.returncode, out, err

    def tmpdir(self):
        path = tempfile.mkdtemp(prefix="h2serve-test-")
        self.tmpdirs.append(path)
        return path

    def curl_output(self, out, extra):
        """What a curl run with -D OUT/head -o OUT/body wrote: (response headers with lowercase names, body
        bytes). curl --head writes the header block where the body goes: checked, and taken off the body."""
        with open(os.path.join(out, "head"), encoding="latin-1", newline="") as f:
            head = f.read()
        headers = {}
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if os.path.exists(os.path.join(out, "body")):
            with open(os.path.join(out, "body"), "rb") as f:
                body = f.read()
        head_bytes = head.encode("latin-1")
        if "--head" in extra and self.ok(body.startswith(head_bytes), "curl --head wrote the headers"):
            body = body[len(head_bytes):]
        return headers, body

    def curl(self, url, *extra, version="2"):
        """One request with curl on a new connection, over HTTP/2 (prior knowledge in cleartext, ALPN over TLS,
        where -k takes the tests' self-signed certificates) or HTTP/1.1: (status, body, headers), or None if curl
        failed or answered over another version (the failure is reported)."""
        out = self.tmpdir()
        tls = url.startswith("https:")
        flag = "--http1.1" if version == "1.1" else "--http2" if tls else "--http2-prior-knowledge"
        label = f"curl {flag} {' '.join(extra)} {url}".replace("  ", " ")
        result = self.client([need_tool("curl"), *(["-k"] if tls else []), flag, "-sS", "--max-time", "20",
                              "-D", os.path.join(out, "head"), "-o", os.path.join(out, "body"),
                              "-w", "%{http_code} %{http_version}", *extra, url],
                             timeout=30)
        if not self.ok(result.returncode == 0, f"{label} succeeds",
                       f"exit {result.returncode}: {result.stderr.decode('latin-1')}"):
            return None
        code, got_version = result.stdout.decode().split()
        if not self.eq(got_version, version, f"{label}: answered over HTTP/{version}"):
            return None
        headers, body = self.curl_output(out, extra)
        return int(code), body, headers

    def certificate(self, name="localhost", alt_names="DNS:localhost,IP:127.0.0.1"):
        """A throwaway self-signed certificate (EC P-256) for name, made with the openssl CLI: (cert, key)
        paths in a temporary directory. No private key is ever committed."""
        openssl = need_tool("openssl")
        d = self.tmpdir()
        cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
        result = self.client([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                              "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}",
                              "-addext", f"subjectAltName={alt_names}"], timeout=30)
        self.require(result.returncode == 0 and os.path.exists(cert) and os.path.exists(key),
                     f"openssl req makes a certificate for {name}", result.stderr.decode("latin-1"))
        return cert, key

    def stream_download(self, args, timeout):
        """Runs a client that writes a body to stdout, hashing it as it comes: (exit status, bytes, sha256,
        stderr), or None if it did not finish within timeout seconds (killed; the failure is reported)."""
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        self.children.append(proc)
        try:
            fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)  # fewer, bigger reads
        except OSError:
            pass
        killed = threading.Event()

        def kill():
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        sha, size, fd = hashlib.sha256(), 0, proc.stdout.fileno()
        try:
            while chunk := os.read(fd, 1 << 20):
                sha.update(chunk)
                size += len(chunk)
            status = proc.wait()
        finally:
            timer.cancel()
            proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode("latin-1")
        if killed.is_set():
            self.fail(f"{os.path.basename(args[0])} finishes within {timeout} s",
                      f"command: {args}\n{size} bytes so far")
            return None
        return status, size, sha.hexdigest(), stderr


def many_delayed_requests(t, server, hello):
    """h2load's 10,000 requests for /delay/200 on 100 connections of 100 streams, answered by timers of the server's
    one worker: all succeed, in little more than the 200 ms they wait, and /hello (whose body is hello) is answered
    meanwhile (how fast is bench/'s to measure: the bounds here only tell waiting together from in turn)."""
    started = time.monotonic()
    load = t.spawn([need_tool("h2load"), "-n", "10000", "-c", "100", "-m", "100", server.url + "delay/200"])
    time.sleep(0.1)
    got = t.curl(server.url + "hello")
    t.ok(got and got[:2] == (200, hello) and load.poll() is None,
         "/hello is answered while 10,000 delayed requests wait")
    status, out, err = t.finish(load, 60)
    wall = time.monotonic() - started
    out = out.decode("latin-1")
    t.ok(status == 0 and "10000 succeeded, 0 failed" in out and "status codes: 10000 2xx" in out,
         "h2load: 10,000 requests for /delay/200 on 100 connections, one worker: all succeed", out + err.decode())
    t.ok(wall < 5, f"in little more than the 200 ms they wait ({wall:.2f} s)")


def thread_server(serve):
    """A listener on 127.0.0.1 (a free port) whose connections are each served by serve(sock) in a thread of
    their own. Returns the listening socket (closing it stops the accepts)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def accept():
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(sock,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener


def free_port():
    """A loopback port nothing listens on (as good as closed: a connect to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def full_listener():
    """A listener whose accept queue is full: (listener, the connections that fill it)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(16):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(listener.getsockname())
        fillers.append(s)
        if not select.select([], [s], [], 0.3)[1]:
            return listener, fillers
    raise RuntimeError("the accept queue never filled")


def write_random_file(path, mib):
    """Writes mib MiB of random bytes to path, a MiB at a time: (their sha256 in hex, the last MiB)."""
    sha = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(mib):
            piece = os.urandom(1 << 20)
            sha.update(piece)
            f.write(piece)
    return sha.hexdigest(), piece


def wait_listening(port, timeout=10):
    """Waits until something accepts connections on the loopback port: False if nothing did within timeout s."""
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


class Peer:
    """Another HTTP server (nghttpd, h2o: start_nghttpd, start_h2o), in cleartext and over TLS on free ports
    (port, tls_port), serving a directory of its own (root) that holds index.html (index: "NAME here\\n") and
    1mib.bin (body: random bytes), with a throwaway certificate for localhost (cert, key). start(commands) runs
    it, each command line made from the ports; stop() kills it, and so do the end of a with block and the end of
    the test."""

    def __init__(self, t, name):
        self.t, self.name = t, name
        self.cert, self.key = t.certificate("localhost", "DNS:localhost,IP:127.0.0.1")
        self.root = t.tmpdir()
        self.index = f"{name} here\n".encode()
        with open(os.path.join(self.root, "index.html"), "wb") as f:
            f.write(self.index)
        write_random_file(os.path.join(self.root, "1mib.bin"), 1)
        with open(os.path.join(self.root, "1mib.bin"), "rb") as f:
            self.body = f.read()
        self.port, self.tls_port = free_port(), free_port()
        self.procs = []

    def start(self, *commands):
        for command in commands:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append(proc)
            self.t.children.append(proc)
        self.t.require(wait_listening(self.port) and wait_listening(self.tls_port),
                       f"{self.name} listens (cleartext and TLS)")

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_nghttpd(t, *args):
    """nghttpd (HTTP/2 alone) as a started Peer; args go to both of its processes (-p PATH=PUSHES..., say)."""
    nghttpd = need_tool("nghttpd")
    peer = Peer(t, "nghttpd")
    peer.start([nghttpd, *args, "--no-tls", "-d", peer.root, "-a", "127.0.0.1", str(peer.port)],
               [nghttpd, *args, "-d", peer.root, "-a", "127.0.0.1", str(peer.tls_port), peer.key, peer.cert])
    return peer


def start_h2o(t):
    """h2o (Debian's package: HTTP/2 and HTTP/1.1, by ALPN over TLS) as a started Peer, or None when h2o is not
    installed (a skip, reported)."""
    h2o = shutil.which("h2o")
    if not h2o:
        t.ok(True, "h2o # SKIP h2o is not installed")
        return None
    peer = Peer(t, "h2o")
    # Started by root, h2o serves as nobody: what it reads must be readable by all (a throwaway key).
    for path in (peer.root, os.path.dirname(peer.cert), os.path.dirname(peer.key)):
        os.chmod(path, 0o755)
    for path in (peer.cert, peer.key):
        os.chmod(path, 0o644)
    config = os.path.join(peer.root, "h2o.conf")
    with open(config, "w") as f:
        f.write(f"""listen:
  host: 127.0.0.1
  port: {peer.port}
listen:
  host: 127.0.0.1
  port: {peer.tls_port}
  ssl:
    certificate-file: {peer.cert}
    key-file: {peer.key}
    ocsp-update-interval: 0
hosts:
  default:
    paths:
      /:
        file.dir: {peer.root}
""")
    peer.start([h2o, "-c", config])
    return peer


def need_tool(name):
    """The path of a client tool; without it the whole test is skipped (TAP skip-all, which meson reports as SKIP)."""
    path = shutil.which(name)
    if not path:
        print(f"1..0 # SKIP {name} is not installed (scripts/install-deps.sh installs it)", flush=True)
        sys.exit(0)
    return path


def need_python_h2():
    """Imports python3-h2's client modules (h2.config, h2.connection, h2.errors, h2.events) and returns the h2
    package; without them the whole test is skipped, as need_tool does."""
    try:
        import h2.config  # noqa: F401 (the submodules are reached through the package)
        import h2.connection  # noqa: F401
        import h2.errors  # noqa: F401
        import h2.events  # noqa: F401
    except ImportError:
        print("1..0 # SKIP python3-h2 is not installed for this python", flush=True)
        sys.exit(0)
    return h2


def tls_client_context(alpn):
    """A client's TLS context that takes the tests' self-signed certificates and offers the ALPN protocols alpn."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(alpn)
    return ctx


def send_until_held(sock, data, timeout=20):
    """Sends data on sock (made non-blocking) as fast as it goes, until all is sent or nothing more could be for a
    second (the peer holds the client), or timeout seconds: how many bytes went."""
    sock.setblocking(False)
    view, sent, stalled_since = memoryview(data), 0, None
    deadline = time.monotonic() + timeout
    while sent < len(view) and time.monotonic() < deadline:
        try:
            sent += sock.send(view[sent:sent + (256 << 10)])
            stalled_since = None
        except BlockingIOError:
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > 1:
                break
            time.sleep(0.01)
    return sent


class H2Client:
    """An HTTP/2 client on python3-h2 (the test calls need_python_h2 first), over cleartext or TLS (h2 by ALPN),
    with many streams at once: streams[sid] holds each one's response headers, body, and whether it ended or was
    reset; granted[sid] the WINDOW_UPDATE increments it got; pings the payloads of the server's PINGs (answered
    by h2), extension_frames the types of the frames h2 does not know (ORIGIN...). Received data is given back to
    the windows unless acknowledge is False (a client that does not read)."""

    def __init__(self, port, tls=False, server_name=None):
        h2 = need_python_h2()
        self.events, self.cancel = h2.events, h2.errors.ErrorCodes.CANCEL
        sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        if tls:
            sock = tls_client_context(["h2"]).wrap_socket(sock, server_hostname=server_name)
        self.sock = sock
        self.scheme = "https" if tls else "http"
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.flush()
        self.streams, self.granted = {}, {}
        self.pings, self.extension_frames = [], []
        self.acknowledge = True

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, path, method="GET", end_stream=True):
        """Sends a request's headers (a body, if any, goes with send_data); returns its stream id."""
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, [(":method", method), (":scheme", self.scheme), (":authority", "127.0.0.1"),
                                     (":path", path)], end_stream=end_stream)
        self.flush()
        self.streams[sid] = {"headers": {}, "body": b"", "done": False, "reset": False}
        return sid

    def send_data(self, sid, data, end_stream=False):
        """Sends data on sid now: as much as the windows and the frame size allow. Returns how much went."""
        n = min(len(data), self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
        if n or end_stream:
            self.conn.send_data(sid, data[:n], end_stream=end_stream and n == len(data))
            self.flush()
        return n

    def reset(self, sid):
        self.conn.reset_stream(sid, self.cancel)
        self.flush()

    def receive(self, timeout):
        """Reads what comes within timeout seconds (at least one read) and takes in its events; False once the
        server has closed the connection."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except (socket.timeout, ssl.SSLWantReadError):
            return True
        if not data:
            return False
        for event in self.conn.receive_data(data):
            sid = getattr(event, "stream_id", None)
            s = self.streams.get(sid)
            if isinstance(event, self.events.ResponseReceived):
                s["headers"] = dict(event.headers)
            elif isinstance(event, self.events.DataReceived):
                s["body"] += event.data
                if self.acknowledge:
                    self.conn.acknowledge_received_data(event.flow_controlled_length, sid)
            elif isinstance(event, self.events.StreamEnded):
                s["done"] = True
            elif isinstance(event, self.events.StreamReset) and s:
                s["done"] = s["reset"] = True
            elif isinstance(event, self.events.WindowUpdated):
                self.granted[sid] = self.granted.get(sid, 0) + event.delta
            elif isinstance(event, self.events.PingReceived):
                self.pings.append(event.ping_data)
            elif isinstance(event, self.events.UnknownFrameReceived):
                self.extension_frames.append(event.frame.type)
        self.flush()
        return True

    def pump(self, sids, timeout=20):
        """Reads until every stream of sids has ended or was reset; False if the time ran out first."""
        deadline = time.monotonic() + timeout
        while not all(self.streams[s]["done"] for s in sids):
            left = deadline - time.monotonic()
            if left <= 0 or not self.receive(max(0.01, left)):
                return False
        return True

    def get(self, path):
        sid = self.request(path)
        if not self.pump([sid]):
            return None
        return self.streams[sid]

    def close(self):
        self.sock.close()


def _on_signal(signum, frame):
    raise Abort(f"signal {signum}")


def run(main, timeout):
    """Runs main(tap) with h2serve from argv[1], bounded by timeout seconds; exits with the TAP result."""
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/h2serve [args...]")
    tap = Tap(os.path.abspath(sys.argv[1]))
    # meson sends SIGTERM on its timeout; SIGALRM is our own watchdog, a little earlier.
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGALRM, _on_signal)
    signal.alarm(timeout)
    started = time.monotonic()
    try:
        main(tap)
    except Abort as e:
        if e.args:
            tap.fail(f"test finishes within its time limit of {timeout} s", str(e.args[0]))
    except Exception:
        tap.fail("test runs without an exception", traceback.format_exc())
    finally:
        signal.alarm(0)
        for proc in tap.children:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for server in tap.servers:
            if server.proc.poll() is None and server.checked:
                server.kill()
        for server in tap.servers:
            if not server.checked:
                server.check()
        for path in tap.tmpdirs:
            shutil.rmtree(path, ignore_errors=True)
    tap.diag(f"{time.monotonic() - started:.1f} s")
    print(f"1..{tap.count}", flush=True)
    sys.exit(1 if tap.failed else 0)
