"""Raw HTTP/2 frames against h2serve over a real socket (RFC 9113), built and read with hyperframe and hpack
(python3-h2 and its dependencies): each connection error ends in GOAWAY with the right code and a closed
connection; a malformed request is a stream error only."""

import socket
import struct
import time

from h2serve_fixture import run

try:
    from hpack import Decoder, Encoder
    from hyperframe.frame import (DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame, PushPromiseFrame,
                                  RstStreamFrame, SettingsFrame, WindowUpdateFrame)
except ImportError:
    print("1..0 # SKIP python3-h2 (hyperframe, hpack) is not installed for this python", flush=True)
    raise SystemExit(0)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
NO_ERROR, PROTOCOL_ERROR, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR = 0x0, 0x1, 0x3, 0x6
ERROR_NAMES = {0x0: "NO_ERROR", 0x1: "PROTOCOL_ERROR", 0x3: "FLOW_CONTROL_ERROR", 0x6: "FRAME_SIZE_ERROR"}
TIMEOUT = 5


def raw_frame(frame_type, flags, stream_id, payload):
    """A frame as bytes, for the ones hyperframe refuses to build."""
    return struct.pack(">I", len(payload))[1:] + struct.pack(">BBI", frame_type, flags, stream_id) + payload


class Peer:
    """A client connection speaking raw frames; every read is bounded by TIMEOUT."""

    def __init__(self, t, port):
        self.t = t
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.encoder, self.decoder = Encoder(), Decoder()

    def close(self):
        self.sock.close()

    def send(self, *frames):
        self.sock.sendall(b"".join(f if isinstance(f, bytes) else f.serialize() for f in frames))

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return "timeout"
            except ConnectionResetError:
                return "eof"
            if not data:
                return "eof"
            self.buf += data
        return None

    def read_frame(self, deadline):
        """The next frame, or "eof" or "timeout"."""
        end = self._fill(9, deadline)
        if end:
            return end
        frame, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
        end = self._fill(9 + length, deadline)
        if end:
            return end
        frame.parse_body(memoryview(self.buf[9:9 + length]))
        self.buf = self.buf[9 + length:]
        return frame

    def frames_until(self, match):
        """Frames up to and including the first for which match(frame) is true; then the end ("eof" or
        "timeout") if none matched."""
        deadline = time.monotonic() + TIMEOUT
        frames = []
        while True:
            frame = self.read_frame(deadline)
            frames.append(frame)
            if isinstance(frame, str) or match(frame):
                return frames

    def handshake(self, label):
        """Preface and SETTINGS both ways; requires the server's preface to be a SETTINGS frame."""
        self.send(PREFACE, SettingsFrame(0))
        first = self.read_frame(time.monotonic() + TIMEOUT)
        self.t.require(isinstance(first, SettingsFrame) and "ACK" not in first.flags,
                       f"{label}: the server's preface is a SETTINGS frame", repr(first))
        self.send(SettingsFrame(0, flags=["ACK"]))

    def headers(self, stream_id, headers, end_stream=True):
        flags = ["END_HEADERS"] + (["END_STREAM"] if end_stream else [])
        frame = HeadersFrame(stream_id, flags=flags)
        frame.data = self.encoder.encode(headers)
        return frame

    def expect_goaway(self, label, code, last_stream_id=0):
        """A GOAWAY with code (after any other frames), then the server closes the connection."""
        frames = self.frames_until(lambda f: isinstance(f, GoAwayFrame))
        goaway = frames[-1]
        if self.t.ok(isinstance(goaway, GoAwayFrame), f"{label}: GOAWAY", f"frames: {frames}"):
            self.t.eq(ERROR_NAMES.get(goaway.error_code, goaway.error_code), ERROR_NAMES[code],
                      f"{label}: GOAWAY {ERROR_NAMES[code]}")
            self.t.eq(goaway.last_stream_id, last_stream_id, f"{label}: GOAWAY last stream {last_stream_id}")
        # Anything after the GOAWAY is allowed to be lost; the connection must end, not linger.
        rest = self.frames_until(lambda f: False)
        self.t.eq(rest[-1], "eof", f"{label}: then the server closes the connection")


def bad_preface(t, port):
    peer = Peer(t, port)
    peer.send(b"HELLO h2serve\r\n\r\n")
    peer.expect_goaway("neither the preface nor an HTTP/1 request line", PROTOCOL_ERROR)
    peer.close()

    peer = Peer(t, port)
    peer.send(PREFACE[:-1] + b"X", SettingsFrame(0))
    peer.expect_goaway("preface with a wrong last byte", PROTOCOL_ERROR)
    peer.close()


def oversized_frame(t, port):
    peer = Peer(t, port)
    peer.handshake("oversized frame")
    # A HEADERS frame one byte past the default SETTINGS_MAX_FRAME_SIZE (16384): it would carry connection
    # state (HPACK), so the error is the connection's (RFC 9113 §4.2).
    peer.send(raw_frame(0x1, 0x4, 1, b"\0" * 16385))
    peer.expect_goaway("HEADERS of 16385 bytes", FRAME_SIZE_ERROR)
    peer.close()


def window_overflow(t, port):
    peer = Peer(t, port)
    peer.handshake("WINDOW_UPDATE overflow")
    # The server's send window starts at 65535: adding 2^31-1 passes the limit (RFC 9113 §6.9.1).
    peer.send(WindowUpdateFrame(0, window_increment=0x7FFFFFFF))
    peer.expect_goaway("connection window past 2^31-1", FLOW_CONTROL_ERROR)
    peer.close()


def other_connection_errors(t, port):
    peer = Peer(t, port)
    peer.handshake("DATA on stream 0")
    peer.send(raw_frame(0x0, 0x0, 0, b"x"))
    peer.expect_goaway("DATA on stream 0", PROTOCOL_ERROR)
    peer.close()

    peer = Peer(t, port)
    peer.handshake("PUSH_PROMISE from the client")
    promise = PushPromiseFrame(1, promised_stream_id=2, flags=["END_HEADERS"])
    promise.data = peer.encoder.encode([(":method", "GET"), (":path", "/"), (":scheme", "http"), (":authority", "x")])
    peer.send(promise)
    peer.expect_goaway("PUSH_PROMISE from the client", PROTOCOL_ERROR)
    peer.close()


def request(peer, stream_id, path, extra=()):
    return peer.headers(stream_id, [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"),
                                    (":path", path)] + list(extra))


def uppercase_header(t, port):
    peer = Peer(t, port)
    peer.handshake("uppercase header name")
    # Indexed into the dynamic table on purpose: the server must decode the malformed block all the same to
    # keep its HPACK state in step with ours for the next request.
    peer.send(request(peer, 1, "/hello", [("X-Upper", "1")]))
    frames = peer.frames_until(lambda f: isinstance(f, (RstStreamFrame, GoAwayFrame)))
    rst = frames[-1]
    t.ok(isinstance(rst, RstStreamFrame) and rst.stream_id == 1, "uppercase header name: RST_STREAM on stream 1",
         f"frames: {frames}")
    if isinstance(rst, RstStreamFrame):
        t.eq(ERROR_NAMES.get(rst.error_code, rst.error_code), "PROTOCOL_ERROR", "uppercase header name: PROTOCOL_ERROR")
    t.ok(not any(isinstance(f, HeadersFrame) and f.stream_id == 1 for f in frames),
         "uppercase header name: no response on stream 1")

    peer.send(request(peer, 3, "/hello", [("x-lower", "1")]))
    frames = peer.frames_until(lambda f: isinstance(f, GoAwayFrame) or (f.stream_id == 3 and "END_STREAM" in f.flags))
    response = [f for f in frames if isinstance(f, HeadersFrame) and f.stream_id == 3]
    body = b"".join(f.data for f in frames if isinstance(f, DataFrame) and f.stream_id == 3)
    status = dict(peer.decoder.decode(response[0].data)).get(":status") if response else None
    t.eq((status, body), ("200", b"Hello, World!"), "the next request on the connection is served")
    t.ok(not any(isinstance(f, GoAwayFrame) for f in frames), "the connection stays up", f"frames: {frames}")
    peer.close()


def ping(t, port):
    peer = Peer(t, port)
    peer.handshake("PING")
    peer.send(PingFrame(0, opaque_data=b"h2ring\x00\xff"))
    frames = peer.frames_until(lambda f: isinstance(f, (PingFrame, GoAwayFrame)))
    pong = frames[-1]
    t.ok(isinstance(pong, PingFrame) and "ACK" in pong.flags, "PING: answered with PING ACK", f"frames: {frames}")
    t.eq(getattr(pong, "opaque_data", None), b"h2ring\x00\xff", "PING ACK: the same payload")
    # And a PING ACK from us (answering nothing) is ignored, not an error.
    peer.send(PingFrame(0, flags=["ACK"], opaque_data=b"12345678"), PingFrame(0, opaque_data=b"87654321"))
    frames = peer.frames_until(lambda f: isinstance(f, (PingFrame, GoAwayFrame)))
    t.eq(getattr(frames[-1], "opaque_data", None), b"87654321", "an unsolicited PING ACK is ignored")
    peer.close()


def settings_timeout(t, port):
    """A client that never acknowledges our SETTINGS: GOAWAY SETTINGS_TIMEOUT after h2serve's 10 s (§6.5.3)."""
    peer = Peer(t, port)
    peer.send(PREFACE, SettingsFrame(0))  # and no ACK, ever
    start = time.monotonic()
    frames = []
    while not frames or not isinstance(frames[-1], (str, GoAwayFrame)):
        frames.append(peer.read_frame(start + 15))
    waited = time.monotonic() - start
    goaway = frames[-1]
    t.ok(isinstance(goaway, GoAwayFrame) and goaway.error_code == 0x4, "unacknowledged SETTINGS: GOAWAY SETTINGS_TIMEOUT",
         f"frames: {frames}")
    t.ok(9.5 <= waited <= 13, f"after the 10 s settings timeout ({waited:.1f} s)")
    peer.close()


def http1_refused(t, port):
    """Without the HTTP/1.1 fallback, a request line is just an invalid preface."""
    peer = Peer(t, port)
    peer.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    peer.expect_goaway("--no-http1: an HTTP/1.1 request instead of the preface", PROTOCOL_ERROR)
    peer.close()


def main(t):
    strict = t.server("--no-http1")
    http1_refused(t, strict.port)
    strict.check()

    server = t.server()
    for check in (bad_preface, oversized_frame, window_overflow, other_connection_errors, uppercase_header, ping,
                  settings_timeout):
        check(t, server.port)
    server.check()


run(main, timeout=60)
