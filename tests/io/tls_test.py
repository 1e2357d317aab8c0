"""h2serve over TLS (--cert, --key, --sni-cert, --no-http1, --handshake-timeout) with real clients.

The certificates are made here with the openssl CLI, in a temporary directory: one for localhost and 127.0.0.1
(the default) and one for other.test (--sni-cert). Checked:
- curl --http2, nghttp (the pushes of /x), h2load and Node's http2 client (node_test.py's checks) over TLS;
- HTTP/1.1 over TLS: curl --http1.1, h2load --h1 (pipelined), a client without ALPN;
- ALPN (openssl s_client -alpn): h2 whenever offered, http/1.1 otherwise, no_application_protocol for unknown
  protocols; with --no-http1, http/1.1 and no ALPN are turned away;
- SNI: other.test (in any case) gets its own certificate, other names and no SNI the default one;
- session resumption with a ticket, TLS 1.3 and TLS 1.2 (Python's ssl); TLS 1.2 with ECDHE-ECDSA-AES128-GCM;
  TLS 1.1 and 1.0 refused;
- hostile clients: plain text to the TLS port, a stalled handshake (--handshake-timeout 1); each one turned away
  gets its "h2ring: TLS client IP:PORT turned away: REASON" line on stderr, and no one else does;
- files over TLS (--root): 1 MiB and 100 MiB downloads by sha256 with curl and nghttp, Range requests; the
  record sizes (one TCP segment each at first, then 16 KiB);
- startup errors: a missing certificate, a key that does not match it, --cert without --key;
- the server still answers after all that, and stops with status 0 on SIGTERM (the fixture).
"""

import hashlib
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import warnings

from h2serve_fixture import SANITIZER_MARKERS, need_tool, run, write_random_file
from nghttp_test import parse_trace
from node_test import node_checks

OPENSSL = need_tool("openssl")
CURL = need_tool("curl")
NGHTTP = need_tool("nghttp")
H2LOAD = need_tool("h2load")

MiB = 1 << 20
OTHER = "other.test"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
REFUSAL = re.compile(r"^h2ring: TLS client 127\.0\.0\.1:(\d+) turned away: (.*)$", re.M)
NOT_TLS = "not a TLS handshake (plain text sent to a TLS port?)"
NO_ALPN_MATCH = "ALPN offers no protocol this server speaks"
NO_ALPN_NO_H1 = "no ALPN, and HTTP/1.1 is not allowed"
TOO_SLOW = "no complete handshake in time"
HANDSHAKE_FAILED = "handshake failed"
REQUESTS = re.compile(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                      r"(\d+) errored, (\d+) timeout$", re.M)


def skip(t, desc, reason):
    """A check this machine cannot run: a TAP skip with its reason."""
    t.ok(True, f"{desc} # SKIP {reason}")


# --- certificates -------------------------------------------------------------------------------------------------

class Certs:
    """The test's certificates and keys: the default one, and one for OTHER (--sni-cert)."""

    def __init__(self, t):
        self.dir = t.tmpdir()  # for files the startup checks need
        self.cert, self.key = t.certificate("localhost", "DNS:localhost,IP:127.0.0.1")
        self.other_cert, self.other_key = t.certificate(OTHER, f"DNS:{OTHER}")

    def args(self, sni=True):
        """h2serve's flags for these certificates."""
        args = ["--cert", self.cert, "--key", self.key]
        if sni:
            args += ["--sni-cert", f"{OTHER}:{self.other_cert}:{self.other_key}"]
        return args


# --- what the server wrote ----------------------------------------------------------------------------------------

class Refusals:
    """The server's "turned away" lines, and the ones the test caused on purpose."""

    def __init__(self, server):
        self.server = server
        self.expected = []

    def lines(self):
        return REFUSAL.findall(self.server.stderr())

    def count(self):
        return len(self.lines())

    def since(self, count):
        """The reasons of the lines written after the first count ones."""
        return [reason for _, reason in self.lines()[count:]]

    def of_port(self, port):
        return [reason for p, reason in self.lines() if int(p) == port]

    def expect(self, reason):
        self.expected.append(reason)


def short(reason):
    """A reason without the TLS library's detail: "handshake failed: ..." compares as "handshake failed"."""
    return HANDSHAKE_FAILED if reason.startswith(HANDSHAKE_FAILED + ":") else reason


# --- clients ------------------------------------------------------------------------------------------------------

def s_client(t, port, *args):
    """openssl s_client's output (stdout and stderr) for one connection that ends as soon as it is made."""
    result = t.client([OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}", *args], timeout=20)
    return result.returncode, (result.stdout + result.stderr).decode("latin-1")


def context(alpn=("h2",), tls_min=None, tls_max=None, ciphers=None):
    """A Python TLS client context that accepts any certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: that is the point of offering them
        warnings.simplefilter("ignore", DeprecationWarning)
        if ciphers:
            ctx.set_ciphers(ciphers)
        if tls_min:
            ctx.minimum_version = tls_min
        if tls_max:
            ctx.maximum_version = tls_max
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def handshake(ctx, port, session=None, sni="localhost"):
    """A TCP connection and its TLS handshake: (the TLS socket or None, the error or None, the client's port)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    local = sock.getsockname()[1]
    try:
        return ctx.wrap_socket(sock, server_hostname=sni, session=session), None, local
    except (ssl.SSLError, OSError) as e:
        sock.close()
        return None, e, local


def read_to_eof(sock, timeout):
    """What arrives until the peer closes: (bytes, "closed" | "reset" | "timeout", seconds)."""
    started = time.monotonic()
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
        how = "closed"
    except (socket.timeout, TimeoutError):
        how = "timeout"
    except ConnectionResetError:
        how = "reset"
    except ssl.SSLError as e:  # an alert, or a TCP close without close_notify
        how = f"closed ({e.reason})"
    return data, how, time.monotonic() - started


def await_ticket(tls, seconds=3):
    """Reads what the server sends first (its SETTINGS) until a session ticket came with it (TLS 1.3 sends tickets
    after the handshake); the session."""
    deadline = time.monotonic() + seconds
    tls.settimeout(0.5)
    while time.monotonic() < deadline:
        session = tls.session
        if session is not None and session.has_ticket:
            break
        try:
            if not tls.recv(4096):
                break
        except (socket.timeout, TimeoutError):
            pass
    return tls.session


def h2_frame(kind, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def h2_get(tls, path, timeout=10):
    """GET path as stream 1 of a new HTTP/2 connection, with frames made by hand (HPACK static table and literals
    without Huffman coding); the response body, or None if the stream did not end well."""
    def literal(index, value):  # literal header field without indexing, indexed name (RFC 7541 section 6.2.2)
        return bytes([index, len(value)]) + value.encode()
    block = b"\x82\x87" + literal(4, path) + literal(1, "localhost")  # GET, https, :path, :authority
    tls.sendall(PREFACE + h2_frame(0x4, 0, 0) + h2_frame(0x1, 0x5, 1, block))  # SETTINGS, HEADERS END_STREAM
    tls.settimeout(timeout)
    buf, body = b"", b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
            length, kind, flags = int.from_bytes(buf[:3], "big"), buf[3], buf[4]
            stream = int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            payload, buf = buf[9:9 + length], buf[9 + length:]
            if kind == 0x4 and not flags & 0x1:
                tls.sendall(h2_frame(0x4, 0x1, 0))  # SETTINGS ACK
            elif kind in (0x3, 0x7):  # RST_STREAM, GOAWAY
                return None
            elif stream == 1 and kind in (0x0, 0x1):
                if kind == 0x0:
                    if flags & 0x8:  # PADDED
                        payload = payload[1:len(payload) - payload[0]]
                    body += payload
                if flags & 0x1:  # END_STREAM
                    return body
        try:
            chunk = tls.recv(65536)
        except (OSError, ssl.SSLError):
            return None
        if not chunk:
            return None
        buf += chunk
    return None


def http1_get(tls, path, timeout=10):
    """GET path over HTTP/1.1 with Connection: close; all that arrives."""
    tls.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    data, _, _ = read_to_eof(tls, timeout)
    return data


# --- the checks ---------------------------------------------------------------------------------------------------

def curl_h2(t, server):
    base = server.url
    got = t.curl(base + "hello")
    if got:
        code, body, headers = got
        t.eq((code, body), (200, b"Hello, World!"), "curl over TLS: GET /hello is 200 Hello, World!")
        t.eq((headers.get("content-type"), headers.get("content-length")), ("text/plain", "13"),
             "curl over TLS: GET /hello is text/plain, 13 bytes")
    got = t.curl(base + "hello", "--head")
    if got:
        code, body, headers = got
        t.eq((code, body, headers.get("content-length")), (200, b"", "13"),
             "curl over TLS: HEAD /hello is 200, no body, content-length 13")
    got = t.curl(base + "no/such/thing")
    if got:
        t.eq(got[:2], (404, b"not found\n"), "curl over TLS: GET /no/such/thing is 404")


def curl_verified(t, server, certs):
    """curl checking the certificate for real (--cacert and the name it is for): the default one for localhost,
    the --sni-cert one for other.test, both serving the same site over HTTP/2."""
    for name, cert in (("localhost", certs.cert), (OTHER, certs.other_cert)):
        result = t.client([CURL, "--http2", "--cacert", cert, "--resolve", f"{name}:{server.port}:127.0.0.1",
                           "-sS", "--max-time", "10", "-w", " %{http_code} %{http_version}",
                           f"https://{name}:{server.port}/hello"], timeout=20)
        t.eq((result.returncode, result.stdout), (0, b"Hello, World! 200 2"),
             f"curl --cacert {os.path.basename(cert)} https://{name}/hello: the certificate verifies, 200 over HTTP/2")
        if result.returncode:
            t.diag(result.stderr.decode("latin-1"))


def curl_http1(t, server):
    """HTTP/1.1 over TLS (ALPN http/1.1)."""
    got = t.curl(server.url + "hello", version="1.1")
    if got:
        code, body, headers = got
        t.eq((code, body, headers.get("content-length")), (200, b"Hello, World!", "13"),
             "curl --http1.1 over TLS: GET /hello is 200 Hello, World!, 13 bytes")


def no_alpn_http1(t, server):
    """A client without ALPN gets HTTP/1.1."""
    tls, err, _ = handshake(context(alpn=None), server.port)
    if not t.ok(tls is not None, "a client without ALPN completes the handshake", repr(err)):
        return
    t.eq(tls.selected_alpn_protocol(), None, "a client without ALPN: no protocol selected")
    answer = http1_get(tls, "/hello")
    tls.close()
    t.ok(answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\nHello, World!"),
         "a client without ALPN: GET /hello over HTTP/1.1 is 200 Hello, World!", repr(answer[:300]))


def nghttp_push(t, server):
    result = t.client([NGHTTP, "-nv", "--no-dep", "-t", "10", server.url + "x"], timeout=20)
    out = result.stdout.decode("latin-1")
    if not t.ok(result.returncode == 0, "nghttp over TLS: GET /x succeeds", result.stderr.decode("latin-1")):
        return
    t.ok("The negotiated protocol: h2" in out.splitlines(), "nghttp over TLS: ALPN h2", out[:2000])
    frames = parse_trace(out)
    for f in frames:
        f["headers"] = dict(f["headers"])  # one of each name here
    promises = [(f["promised"], f["headers"].get(":path"), f["headers"].get(":scheme")) for f in frames
                if f["dir"] == "recv" and f["type"] == "PUSH_PROMISE"]
    t.eq(promises, [(2, "/y", "https"), (4, "/z", "https")],
         "nghttp over TLS: PUSH_PROMISE of /y (stream 2) and /z (stream 4), scheme https")
    received = [f for f in frames if f["dir"] == "recv"]
    statuses = {f["stream"]: f["headers"].get(":status") for f in received if f["type"] == "HEADERS"}
    ended = {f["stream"] for f in received if f["type"] == "DATA" and f["flags"] & 0x1}
    t.eq(({2, 4} <= ended, statuses.get(2), statuses.get(4)), (True, "200", "200"),
         "nghttp over TLS: the pushed /y and /z arrive, 200, to their end")
    t.ok(not any(f["type"] in ("RST_STREAM", "GOAWAY") for f in received),
         "nghttp over TLS: no RST_STREAM or GOAWAY from the server")


def h2load(t, server, http1=False):
    requests = 500
    extra = ["--h1"] if http1 else []
    label = f"h2load {' '.join(extra + ['-n', str(requests), '-c', '10', '-m', '10'])} over TLS"
    # -T and -N: a stalled connection ends the run with errors instead of hanging it.
    result = t.client([H2LOAD, *extra, "-n", str(requests), "-c", "10", "-m", "10", "-t", "2", "-T", "10", "-N", "10",
                       server.url + "hello"], timeout=60)
    out = result.stdout.decode("latin-1")
    protocol = "http/1.1" if http1 else "h2"
    t.ok(f"Application protocol: {protocol}" in out.splitlines(), f"{label}: application protocol {protocol}",
         out[:2000])
    m = REQUESTS.search(out)
    t.ok(m and int(m.group(4)) == requests and result.returncode == 0, f"{label}: all {requests} succeeded",
         f"exit {result.returncode}\n{out[:3000]}")


def alpn(t, server, refusals):
    """What the server picks from the client's list (openssl s_client -alpn)."""
    for offer, want in (("http/1.1,h2", "h2"), ("h2", "h2"), ("h2,http/1.1", "h2"), ("http/1.1", "http/1.1")):
        _, out = s_client(t, server.port, "-servername", "localhost", "-alpn", offer)
        t.ok(f"ALPN protocol: {want}" in out.splitlines(), f"ALPN {offer}: the server picks {want}", out[-2000:])
    unknown(t, server, refusals, "foo", "ALPN foo")
    unknown(t, server, refusals, "foo,spdy/3.1", "ALPN foo,spdy/3.1")


def unknown(t, server, refusals, offer, label):
    """An ALPN list the server cannot serve: alert no_application_protocol, and the stderr line."""
    before = refusals.count()
    status, out = s_client(t, server.port, "-servername", "localhost", "-alpn", offer)
    t.ok(status != 0 and "alert no application protocol" in out, f"{label}: the handshake fails with the alert "
         "no_application_protocol", out[-2000:])
    t.eq(refusals.since(before), [NO_ALPN_MATCH], f'{label}: stderr says "{NO_ALPN_MATCH}"')
    refusals.expect(NO_ALPN_MATCH)


def no_http1(t, certs):
    """--no-http1: HTTP/2 only."""
    server = t.server(*certs.args(), "--no-http1")
    refusals = Refusals(server)
    _, out = s_client(t, server.port, "-servername", "localhost", "-alpn", "http/1.1,h2")
    t.ok("ALPN protocol: h2" in out.splitlines(), "--no-http1, ALPN http/1.1,h2: the server picks h2", out[-2000:])
    unknown(t, server, refusals, "http/1.1", "--no-http1, ALPN http/1.1")

    tls, err, port = handshake(context(alpn=None), server.port)
    if tls is None:
        # Turning the client away during the handshake is as good as after it.
        data, how = b"", f"handshake failed ({err!r})"
    else:
        data, how, _ = read_to_eof(tls, 5)
        tls.close()
    t.ok(data == b"" and how != "timeout", "--no-http1, no ALPN: the connection is closed without an answer",
         f"{how}, got {data[:200]!r}")
    t.eq(refusals.of_port(port), [NO_ALPN_NO_H1], f'--no-http1, no ALPN: stderr says "{NO_ALPN_NO_H1}"')
    refusals.expect(NO_ALPN_NO_H1)

    got = t.curl(server.url + "hello")
    t.ok(got and got[:2] == (200, b"Hello, World!"), "--no-http1: curl --http2 GET /hello is 200")
    t.eq([short(r) for _, r in refusals.lines()], refusals.expected,
         "--no-http1: a turned-away line for each client refused, and no other")
    server.check()


def subject_cn(out):
    m = re.search(r"^subject=.*?CN\s*=\s*([^,/\n]+)", out, re.M)
    return m.group(1).strip() if m else None


def sni(t, server):
    """The certificate the server presents for each server name (openssl s_client, its subject's CN)."""
    for name, want in ((OTHER, OTHER), ("OTHER.TEST", OTHER), ("localhost", "localhost"),
                       ("unknown.test", "localhost"), (None, "localhost")):
        args = ["-servername", name] if name else ["-noservername"]
        _, out = s_client(t, server.port, *args, "-alpn", "h2")
        t.eq(subject_cn(out), want, f"SNI {name or 'none'}: the certificate for {want}")


def resumption(t, server, version):
    """A second connection resumes the first one's session with its ticket."""
    label = version.name.replace("TLSv", "TLS ").replace("_", ".") + " resumption"  # TLS 1.3 resumption
    ctx = context(tls_min=version, tls_max=version)
    tls, err, _ = handshake(ctx, server.port)
    if not t.ok(tls is not None, f"{label}: the first handshake", repr(err)):
        return
    session = await_ticket(tls)
    tls.close()
    t.ok(session is not None and session.has_ticket, f"{label}: the server sends a session ticket")
    tls, err, _ = handshake(ctx, server.port, session=session)
    if not t.ok(tls is not None, f"{label}: the second handshake", repr(err)):
        return
    t.eq((tls.session_reused, tls.version(), tls.selected_alpn_protocol()),
         (True, version.name.replace("_", "."), "h2"),
         f"{label}: the second connection resumes the session, with ALPN h2")
    t.eq(h2_get(tls, "/hello"), b"Hello, World!", f"{label}: the resumed connection serves GET /hello")
    tls.close()


def tls12_suite(t, server):
    suite = "ECDHE-ECDSA-AES128-GCM-SHA256"
    tls, err, _ = handshake(context(tls_max=ssl.TLSVersion.TLSv1_2, ciphers=suite), server.port)
    if not t.ok(tls is not None, f"TLS 1.2 with {suite}: the handshake", repr(err)):
        return
    t.eq((tls.version(), tls.cipher()[0], tls.selected_alpn_protocol()), ("TLSv1.2", suite, "h2"),
         f"TLS 1.2 with {suite}: negotiated, ALPN h2")
    t.eq(h2_get(tls, "/hello"), b"Hello, World!", f"TLS 1.2 with {suite}: GET /hello")
    tls.close()


def old_versions(t, server, refusals):
    """TLS 1.1 and 1.0 clients are refused, if this Python's OpenSSL can still offer them (security level 0)."""
    for version, name in ((ssl.TLSVersion.TLSv1_1, "TLS 1.1"), (ssl.TLSVersion.TLSv1, "TLS 1.0")):
        desc = f"a {name}-only client is refused"
        try:
            ctx = context(tls_min=version, tls_max=version, ciphers="DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as e:
            skip(t, desc, f"this Python's OpenSSL cannot offer {name}: {e}")
            continue
        tls, err, port = handshake(ctx, server.port)
        reason = getattr(err, "reason", None) or ""
        if tls is None and reason in ("NO_PROTOCOLS_AVAILABLE", "UNSUPPORTED_PROTOCOL", "NO_CIPHERS_AVAILABLE"):
            skip(t, desc, f"this Python's OpenSSL cannot offer {name}: {err}")
            continue
        t.ok(tls is None, f"{desc}: the handshake fails", tls and tls.version())
        if tls:
            tls.close()
        got = refusals.of_port(port)
        t.ok(len(got) == 1 and got[0].startswith(HANDSHAKE_FAILED + ": "),
             f'{desc}: stderr says "{HANDSHAKE_FAILED}: ..."', f"lines for port {port}: {got}")
        refusals.expect(HANDSHAKE_FAILED)


def plain_text(t, server, refusals):
    """Cleartext to the TLS port: closed without an answer."""
    for label, payload in (("an HTTP/1.1 request", b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"),
                           ("the HTTP/2 preface", PREFACE + h2_frame(0x4, 0, 0))):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        port = sock.getsockname()[1]
        sock.sendall(payload)
        data, how, _ = read_to_eof(sock, 5)
        sock.close()
        t.ok(data == b"" and how in ("closed", "reset"), f"plain text ({label}) to the TLS port: closed without "
             "an answer", f"{how}, got {data[:200]!r}")
        t.eq(refusals.of_port(port), [NOT_TLS], f'plain text ({label}): stderr says "{NOT_TLS}"')
        refusals.expect(NOT_TLS)


def stalled(t, server, refusals):
    """Clients that never finish the handshake, with --handshake-timeout 1."""
    hello_start = bytes.fromhex("16030102000100 01fc0303")  # a ClientHello's record and handshake headers
    for label, payload in (("a partial ClientHello", hello_start), ("a silent client", b"")):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        port = sock.getsockname()[1]
        sock.sendall(payload)
        data, how, seconds = read_to_eof(sock, 15)
        sock.close()
        # Not before the timeout; the upper bound only says it was closed at all (a loaded machine is slow).
        t.ok(how in ("closed", "reset") and data == b"" and 0.9 <= seconds < 15,
             f"{label}: closed after the 1 s timeout (--handshake-timeout 1)", f"{how} after {seconds:.2f} s, got {data!r}")
        t.eq(refusals.of_port(port), [TOO_SLOW], f'{label}: stderr says "{TOO_SLOW}"')
        refusals.expect(TOO_SLOW)


def files(t, certs):
    """--root over TLS: big downloads by sha256, and Range."""
    root = t.tmpdir()
    data = os.urandom(MiB)
    with open(os.path.join(root, "1mib.bin"), "wb") as f:
        f.write(data)
    sizes = {"1mib.bin": MiB, "100mib.bin": 100 * MiB}
    digests = {"1mib.bin": hashlib.sha256(data).hexdigest()}
    digests["100mib.bin"], piece = write_random_file(os.path.join(root, "100mib.bin"), 100)
    tail = piece[-1000:]

    server = t.server("--root", root, *certs.args(sni=False))
    for name, size in sizes.items():
        url = server.url + name
        for client, args in (("curl --http2", [CURL, "--http2", "-k", "-sS", "--max-time", "120", "-o", "-", url]),
                             ("nghttp", [NGHTTP, "-t", "120", url])):
            label = f"{client} over TLS: /{name}"
            started = time.monotonic()
            got = t.stream_download(args, 130)
            if got is None:
                continue
            status, n, digest, stderr = got
            t.diag(f"{label}: {n} bytes in {time.monotonic() - started:.1f} s")
            t.ok(status == 0, f"{label}: exits 0", stderr)
            t.eq((n, digest), (size, digests[name]), f"{label}: {size} bytes, the file's sha256")

    for name, first, last, want in (("1mib.bin", 1000, 1999, data[1000:2000]),
                                    ("100mib.bin", 100 * MiB - 1000, 100 * MiB - 1, tail)):
        got = t.curl(server.url + name, "-r", f"{first}-{last}")
        if got:
            code, body, headers = got
            t.eq((code, headers.get("content-range")), (206, f"bytes {first}-{last}/{sizes[name]}"),
                 f"Range {first}-{last} of /{name} over TLS: 206, content-range")
            t.ok(body == want, f"Range {first}-{last} of /{name} over TLS: the right {len(want)} bytes",
                 f"got {len(body)} bytes")
    record_sizes(t, server, data)
    server.check()


def record_sizes(t, server, data):
    """The TLS records of a 1 MiB response on a new connection: the first ones fit a TCP segment (the client
    decrypts them as they come), the bulk goes in full 16 KiB records. Read below the TLS layer, through
    memory BIOs, to see the records themselves."""
    ctx = context(alpn=("http/1.1",))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    wire = bytearray()

    def exchange():
        raw.sendall(outgoing.read())
        chunk = raw.recv(1 << 20)
        wire.extend(chunk)
        incoming.write(chunk)
        return chunk

    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            if not exchange():
                break
    handshake_bytes = len(wire)
    tls.write(b"GET /1mib.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    while exchange():
        pass
    raw.close()
    body = bytearray()
    while True:
        try:
            piece = tls.read(1 << 20)
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            break
        if not piece:
            break
        body.extend(piece)
    t.ok(body.endswith(data), "records: the 1 MiB response arrived whole through the memory BIOs",
         f"{len(body)} bytes")
    sizes, pos = [], handshake_bytes
    while pos + 5 <= len(wire):
        length = int.from_bytes(wire[pos + 3:pos + 5], "big")
        if wire[pos] == 23:  # application_data (TLS 1.3 hides the inner type: tickets are among them)
            sizes.append(length)
        pos += 5 + length
    overhead = 17 + 8  # the inner content type and AEAD tag, and TLS 1.2's explicit nonce at most
    first = sizes[:20]
    t.ok(len(sizes) > 20 and all(n <= 1400 + overhead for n in first),
         "records: the first 20 of a new connection fit one TCP segment", f"sizes: {first}")
    t.ok(sum(1 for n in sizes if n >= 16384) >= 40, "records: the bulk of 1 MiB goes in 16 KiB records",
         f"{len(sizes)} records, the largest {max(sizes, default=0)}")


def startup_errors(t, certs):
    """Bad TLS flags: h2serve says what is wrong and exits, without listening."""
    gone = os.path.join(certs.dir, "gone.pem")
    mismatch = ("says the key does not match", r"does not (belong|match)|mismatch")
    cases = [
        # (what is wrong, the flags, the names stderr must hold, (what it must say, a regex for it))
        ("--cert of a missing file", ["--cert", gone, "--key", certs.key], [gone],
         ("says the file does not exist", r"no such file|not found|does not exist|doesn't exist")),
        ("a key that does not match the certificate", ["--cert", certs.cert, "--key", certs.other_key],
         [certs.cert, certs.other_key], mismatch),
        ("--cert without --key", ["--cert", certs.cert], ["--cert", "--key"], None),
        ("--sni-cert with a key that does not match",
         [*certs.args(sni=False), "--sni-cert", f"{OTHER}:{certs.other_cert}:{certs.key}"],
         [certs.other_cert, certs.key], mismatch),
    ]
    for label, args, names, problem in cases:
        label = f"h2serve with {label}"
        proc = t.spawn([t.binary, "--host", "127.0.0.1", "--port", "0", *args])
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            t.fail(f"{label}: exits instead of serving")
            continue
        out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        t.ok(proc.returncode > 0, f"{label}: exits with an error status (not a signal)", f"status {proc.returncode}")
        t.ok("listening" not in out, f"{label}: does not say it listens", out)
        t.ok(all(n in err for n in names), f"{label}: stderr names {', '.join(os.path.basename(n) for n in names)}",
             err)
        if problem:
            t.ok(re.search(problem[1], err, re.I), f"{label}: stderr {problem[0]}", err)
        t.ok(not any(m in err for m in SANITIZER_MARKERS), f"{label}: no sanitizer report", err[-4000:])


def main(t):
    certs = Certs(t)
    startup_errors(t, certs)

    server = t.server(*certs.args(), "--handshake-timeout", "1")
    refusals = Refusals(server)
    t.eq(server.scheme, "https", "with --cert and --key the URL is https")
    curl_h2(t, server)
    curl_verified(t, server, certs)
    nghttp_push(t, server)
    h2load(t, server)
    node = shutil.which("node")
    if node:
        node_checks(t, node, server, prefix="node over TLS")
    else:
        skip(t, "Node's http2 client over TLS", "node is not installed (scripts/install-deps.sh installs it)")
    alpn(t, server, refusals)
    sni(t, server)
    resumption(t, server, ssl.TLSVersion.TLSv1_3)
    resumption(t, server, ssl.TLSVersion.TLSv1_2)
    tls12_suite(t, server)
    # HTTP/1.1 over TLS.
    curl_http1(t, server)
    no_alpn_http1(t, server)
    h2load(t, server, http1=True)
    # The hostile ones.
    old_versions(t, server, refusals)
    plain_text(t, server, refusals)
    stalled(t, server, refusals)
    got = t.curl(server.url + "hello")
    t.ok(got and got[:2] == (200, b"Hello, World!"), "after all that, curl over TLS: GET /hello is still 200")
    t.eq([short(r) for _, r in refusals.lines()], refusals.expected,
         "a turned-away line on stderr for each client refused, and for no other")
    server.check()

    no_http1(t, certs)
    files(t, certs)


run(main, timeout=150)
