"""Upload backpressure through the runtime, with real sockets: tests/io/upload_server.c pauses a request body
(h2r_stream_pause) until another request resumes it, and reports what the engine holds meanwhile.

- HTTP/1.1: a client that sends a 64 MiB body as fast as it can is held by TCP (io/conn.c stops receiving once
  h2r_session_input_paused says so): it cannot send it all, nothing reaches the application, the session keeps
  at least http1_max_buffered_input bytes and no more than that plus the worker's provided-buffer ring (4 MiB:
  what one batch of receive completions can hold), and that stays put. Resumed, the whole body arrives.
- HTTP/2 (python3-h2): the paused stream gets its window's 65535 bytes and no WINDOW_UPDATE, while another stream
  on the same connection uploads 1 MiB; resumed, one WINDOW_UPDATE of 65535, and the upload completes.
"""

import socket
import time

from h2serve_fixture import run, send_until_held

try:
    import h2.config
    import h2.connection
    import h2.events
except ImportError:
    print("1..0 # SKIP python3-h2 is not installed for this python", flush=True)
    raise SystemExit(0)

KiB, MiB = 1 << 10, 1 << 20
BOUND = 64 * KiB  # http1_max_buffered_input's default
RING = 4 * MiB  # io/ring.c: 256 provided buffers of 16 KiB


def http1_get(port, path):
    """GET path over HTTP/1.1 on a new connection: (status, headers with lowercase names)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers


def http1_held(t, server):
    total = 64 * MiB
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"PUT /hold HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {total}\r\n\r\n".encode())
    sent = send_until_held(sock, bytes(total))
    t.ok(sent < total, "HTTP/1.1: a client sending 64 MiB to a paused request is held", f"{sent} bytes sent")

    status, first = http1_get(server.port, "/state")
    time.sleep(0.3)
    _, second = http1_get(server.port, "/state")
    t.eq((status, first.get("x-paused"), first.get("x-bytes")), (204, "1", "0"),
         "HTTP/1.1: paused, nothing delivered to the application")
    inbound = int(first.get("x-inbound", "-1"))
    t.diag(f"{sent} bytes sent before the client was held, {inbound} kept by the session")
    t.ok(BOUND <= inbound <= BOUND + RING,
         "HTTP/1.1: the session keeps http1_max_buffered_input bytes, at most a ring of receive buffers more",
         f"{inbound} bytes kept")
    t.eq(second.get("x-inbound"), first.get("x-inbound"), "HTTP/1.1: and that stays put: nothing more is received")

    t.eq(http1_get(server.port, "/resume")[0], 204, "HTTP/1.1: GET /resume")
    sock.setblocking(True)
    sock.settimeout(30)
    sock.sendall(bytes(total - sent))
    response = b""
    while b"\r\n\r\n" not in response and (chunk := sock.recv(4096)):
        response += chunk
    sock.close()
    t.ok(response.startswith(b"HTTP/1.1 200") and f"x-bytes: {total}\r\n".encode() in response,
         "HTTP/1.1: resumed, the whole body arrives: 200, x-bytes: 67108864", response[:300])


class H2Client:
    """python3-h2's client on one connection, which sends request bodies within the windows it is given."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.responses, self.granted = {}, {}
        self.flush()

    def flush(self):
        self.sock.sendall(self.conn.data_to_send())

    def request(self, method, path, end_stream):
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, [(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"),
                                           (":path", path)], end_stream=end_stream)
        self.flush()
        return stream_id

    def pump(self, done, timeout=20):
        """Reads until done() (True), the connection's end or the timeout (False)."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                return done()
            if not data:
                return False
            for event in self.conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    self.responses[event.stream_id] = dict(event.headers)
                elif isinstance(event, h2.events.WindowUpdated):
                    self.granted[event.stream_id] = self.granted.get(event.stream_id, 0) + event.delta
            self.flush()
        return True

    def send_body(self, stream_id, length, end_stream):
        """Sends length bytes as the windows allow, waiting for WINDOW_UPDATEs; False if they stop coming."""
        while length:
            if not self.pump(lambda: self.conn.local_flow_control_window(stream_id) > 0):
                return False
            n = min(length, self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
            length -= n
            self.conn.send_data(stream_id, bytes(n), end_stream=end_stream and not length)
            self.flush()
        return True

    def get(self, path):
        stream_id = self.request("GET", path, True)
        self.pump(lambda: stream_id in self.responses)
        return self.responses.get(stream_id, {})


def http2_held(t, server):
    client = H2Client(server.port)
    held = client.request("POST", "/hold", False)
    client.pump(lambda: client.conn.remote_settings.initial_window_size is not None, timeout=2)
    window = client.conn.local_flow_control_window(held)
    t.eq(window, 65535, "HTTP/2: the stream's window is 65535")
    client.send_body(held, window, False)
    other = client.request("POST", "/count", False)
    t.ok(client.send_body(other, MiB, True), "HTTP/2: another stream uploads 1 MiB while the first is paused")
    client.pump(lambda: other in client.responses)
    t.eq(client.responses.get(other, {}).get("x-bytes"), str(MiB), "HTTP/2: and all of it arrives")
    state = client.get("/state")
    t.eq((state.get("x-paused"), state.get("x-bytes"), state.get("x-window")), ("1", "65535", "0"),
         "HTTP/2: the paused stream got its window's 65535 bytes, and has a window of 0")
    t.eq(client.granted.get(held, 0), 0, "HTTP/2: and no WINDOW_UPDATE")

    t.eq(client.get("/resume").get(":status"), "204", "HTTP/2: GET /resume")
    client.pump(lambda: client.granted.get(held, 0) > 0, timeout=5)
    t.eq(client.granted.get(held, 0), 65535, "HTTP/2: resumed, one WINDOW_UPDATE for the 65535 bytes held back")
    t.ok(client.send_body(held, MiB - window, True), "HTTP/2: the rest of the upload goes")
    client.pump(lambda: held in client.responses)
    t.eq(client.responses.get(held, {}).get("x-bytes"), str(MiB), "HTTP/2: 1 MiB in all")
    client.sock.close()


def main(t):
    server = t.server()
    http1_held(t, server)
    http2_held(t, server)
    server.check()


if __name__ == "__main__":
    run(main, timeout=60)
