"""--idle-timeout with real sockets: an HTTP/2 connection with no stream and no traffic gets GOAWAY NO_ERROR
after the timeout and is then closed; one whose client keeps talking (PINGs) or keeps a stream open stays;
an idle HTTP/1.1 keep-alive connection is closed."""

import socket
import time

from h2serve_fixture import run

try:
    from hpack import Encoder
    from hyperframe.frame import Frame, GoAwayFrame, HeadersFrame, PingFrame, SettingsFrame
except ImportError:
    print("1..0 # SKIP python3-h2 (hyperframe, hpack) is not installed for this python", flush=True)
    raise SystemExit(0)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
IDLE_S = 1


class Peer:
    """A raw HTTP/2 client: the preface and SETTINGS at once, then frames; reads collect what came."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.eof = False
        self.sock.sendall(PREFACE + SettingsFrame(0).serialize())

    def send(self, frame):
        self.sock.sendall(frame.serialize())

    def frames(self, seconds):
        """Every frame received within seconds (stops early at EOF), in order."""
        deadline = time.monotonic() + seconds
        while not self.eof and time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                data = b""
            if not data:
                self.eof = True
            self.buf += data
        out = []
        while len(self.buf) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
            if len(self.buf) < 9 + length:
                break
            frame.parse_body(memoryview(self.buf[9:9 + length]))
            self.buf = self.buf[9 + length:]
            out.append(frame)
        return out

    def close(self):
        self.sock.close()


def goaways(frames):
    return [f for f in frames if isinstance(f, GoAwayFrame)]


def main(t):
    server = t.server("--idle-timeout", str(IDLE_S))

    # Nothing after the preface: GOAWAY NO_ERROR once the timeout has passed, not before.
    peer = Peer(server.port)
    started = time.monotonic()
    early = peer.frames(IDLE_S * 0.6)
    peer.send(SettingsFrame(flags=["ACK"]))
    t.eq(goaways(early), [], "idle h2: no GOAWAY before the idle timeout")
    later = []
    while not goaways(later) and not peer.eof and time.monotonic() - started < IDLE_S + 3:
        later += peer.frames(0.05)
    seconds = time.monotonic() - started
    got = goaways(later)
    t.ok(got and got[-1].error_code == 0, f"idle h2: GOAWAY NO_ERROR after {seconds:.1f} s", repr(later))
    t.ok(IDLE_S * 0.9 <= seconds <= IDLE_S + 2.5, f"idle h2: the GOAWAY came after about --idle-timeout "
         f"({seconds:.1f} s for {IDLE_S} s)")
    # The graceful close ends with the connection: a client that does not answer the closing PING is cut off.
    peer.frames(3 * IDLE_S)
    t.ok(peer.eof, "idle h2: the server then closes the connection")
    peer.close()

    # A client that keeps talking (a PING every 0.3 s) is not idle.
    peer = Peer(server.port)
    peer.send(SettingsFrame(flags=["ACK"]))
    frames = []
    for i in range(int(IDLE_S * 2.5 / 0.3)):
        peer.send(PingFrame(0, opaque_data=i.to_bytes(8, "big")))
        frames += peer.frames(0.3)
    acks = [f for f in frames if isinstance(f, PingFrame) and "ACK" in f.flags]
    t.eq(goaways(frames), [], f"busy h2: no GOAWAY over {IDLE_S * 2.5:.1f} s of PINGs")
    t.ok(len(acks) >= 5 and not peer.eof, f"busy h2: the PINGs are answered ({len(acks)} ACKs), still open")
    peer.close()

    # An open stream (a request whose body has not ended) keeps the connection.
    peer = Peer(server.port)
    peer.send(SettingsFrame(flags=["ACK"]))
    headers = [(":method", "POST"), (":scheme", "http"), (":path", "/hello"), (":authority", "localhost")]
    peer.send(HeadersFrame(1, Encoder().encode(headers), flags=["END_HEADERS"]))
    frames = peer.frames(IDLE_S * 2.5)
    t.eq(goaways(frames), [], f"h2 with an open stream: no GOAWAY over {IDLE_S * 2.5:.1f} s")
    peer.close()

    # HTTP/1.1: an idle keep-alive connection is closed, after its response.
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
    started = time.monotonic()
    data, eof = b"", False
    while not eof and time.monotonic() - started < IDLE_S + 4:
        sock.settimeout(IDLE_S + 4)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        eof = not chunk
        data += chunk
    seconds = time.monotonic() - started
    t.ok(data.startswith(b"HTTP/1.1 200") and data.endswith(b"Hello, World!"),
         "idle HTTP/1.1: the response came whole", repr(data[:200]))
    t.ok(eof and IDLE_S * 0.9 <= seconds <= IDLE_S + 2.5,
         f"idle HTTP/1.1: the keep-alive connection is closed after about --idle-timeout ({seconds:.1f} s)")
    sock.close()

    server.check()


if __name__ == "__main__":
    run(main, timeout=60)
