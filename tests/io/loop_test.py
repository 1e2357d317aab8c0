"""The worker's loop (h2ring/loop.h) and the server's life (h2ring/server.h) in an application of their own,
tests/io/loop_server.c, with real clients: answers made later from timers (to the millisecond, 10,000 at once on
one worker while other requests are answered), from a thread pool through h2r_loop_post, from a watched pipe
(level-triggered), and streams reset or connections cut before the answer (the callbacks see the stream closed,
the sessions are told); the loop calls refused from another thread; the connection's information in cleartext and
over TLS (h2 and http/1.1 by ALPN); h2r_server_close during a download.
"""

import http.client
import json
import os
import re
import socket
import ssl
import time

from h2serve_fixture import H2Client, many_delayed_requests, need_python_h2, need_tool, run

need_python_h2()

CURL = need_tool("curl")
H2LOAD = need_tool("h2load")

H2R_ERR_WRONG_THREAD = -512
MiB = 1 << 20


def get_json(t, url, version="2"):
    got = t.curl(url, version=version)
    return json.loads(got[1]) if got and got[0] == 200 else None


def square_sum(n):
    return sum(i * i for i in range(1, n + 1)) % (1 << 64)


def timers(t, server):
    got = t.curl(server.url + "delay/200")
    elapsed = int(got[2].get("x-elapsed-us", "0")) if got else 0
    # Never early; the upper bound only says the answer was not lost (how late is bench/'s to measure).
    t.ok(200000 <= elapsed < 1000000, f"/delay/200 answers after its 200 ms timer ({elapsed} us)")
    got = t.curl(server.url + "delay/37")
    elapsed = int(got[2].get("x-elapsed-us", "0")) if got else 0
    t.ok(37000 <= elapsed < 1000000, f"/delay/37 too ({elapsed} us)")
    t.eq(get_json(t, server.url + "timers"),
         {"order": "10a,10b,20,30", "interval_runs": 3, "victim_fired": 0, "self_stop": 0},
         "timers fire in the order of their due times; an interval stops itself after 3 runs; a timer stopped "
         "by another never fires; a one-shot timer may stop itself")
    t.eq(get_json(t, server.url + "foreign"),
         {"timer_start": H2R_ERR_WRONG_THREAD, "watch_start": H2R_ERR_WRONG_THREAD,
          "timer_stop": H2R_ERR_WRONG_THREAD, "in_thread": 0, "stream_end": H2R_ERR_WRONG_THREAD},
         "from a pool thread, h2r_timer_start, h2r_watch_start, h2r_timer_stop and the stream's "
         "h2r_stream_end are refused")


def counters(server):
    """The server's counters, over HTTP/1.1 with http.client: polled, with no assertion of their own."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/counters")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def wait_for(cond, timeout):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def gone_before_the_answer(t, server):
    seen = counters(server).get("closed_seen", -1)
    reset = H2Client(server.port)
    sid = reset.request("/delay/300")
    time.sleep(0.05)
    reset.reset(sid)
    cut = H2Client(server.port)
    cut.request("/delay/300")
    cut.request("/watch/300")
    time.sleep(0.05)
    cut.close()
    # The connection that reset its stream carries on.
    got = reset.get("/hello")
    t.ok(got and got["body"] == b"hello\n", "a connection that reset a delayed stream is served on")
    t.ok(wait_for(lambda: counters(server).get("closed_seen") == seen + 3, 5),
         "the timer and watch callbacks of a reset stream and of a cut connection see them closed",
         f"counters: {counters(server)}, before: {seen}")
    reset.close()
    # Every session the server opened is told of its end, those cut off included: only /counters' own is open.
    t.ok(wait_for(lambda: counters(server).get("sessions_open") == 1, 5),
         "on_session_close came for every session, cut ones included", f"counters: {counters(server)}")


def posts(t, server):
    load = t.spawn([H2LOAD, "-n", "10000", "-c", "10", "-m", "100", server.url + "pool/1000"])
    client = H2Client(server.port)
    wrong = []
    for round_ in range(10):
        sids = {client.request(f"/pool/{round_ * 100 + i}"): round_ * 100 + i for i in range(100)}
        if not client.pump(list(sids)):
            wrong.append("timeout")
            break
        for sid, n in sids.items():
            s = client.streams[sid]
            if s["body"] != b"%d\n" % square_sum(n) or s["headers"].get("x-computed-off-loop") != "1":
                wrong.append((n, s["body"], s["headers"]))
    client.close()
    t.eq(wrong[:5], [], "1,000 sums computed by pool threads and posted back are right, under load")
    status, out, err = t.finish(load, 60)
    out = out.decode("latin-1")
    t.ok(status == 0 and "10000 succeeded, 0 failed" in out and "status codes: 10000 2xx" in out,
         "h2load: 10,000 requests answered through h2r_loop_post all succeed", out + err.decode())


def watches(t, server):
    got = t.curl(server.url + "watch/50")
    t.ok(got and re.fullmatch(rb"token-\d+", got[1]), "/watch/50: answered with what the pipe got")
    if got:
        t.eq(got[2].get("x-callbacks"), str(len(got[1]) + 1),
             "a byte read per callback: the watch comes back while the pipe stays readable, then for its end")
    t.eq(get_json(t, server.url + "watch-bad"), {"callbacks": 1, "revents": 4},
         "a descriptor that cannot be polled: one callback with H2R_WATCH_ERROR alone, then the watch waits")
    client = H2Client(server.port)
    sids = [client.request("/watch/20") for _ in range(20)]
    t.ok(client.pump(sids), "20 watches at once on one connection: all answered")
    bodies = {client.streams[s]["body"] for s in sids}
    t.ok(len(bodies) == 20 and all(re.fullmatch(rb"token-\d+", b) for b in bodies), "each with its own token")
    client.close()


def whoami_cleartext(t, server):
    client = H2Client(server.port)
    first, second = client.get("/whoami"), client.get("/whoami")
    port = client.sock.getsockname()[1]
    client.close()
    if not t.ok(first and second, "/whoami twice on one connection"):
        return
    info, again = json.loads(first["body"]), json.loads(second["body"])
    t.eq((info["peer_address"], info["peer_port"]), ("127.0.0.1", port), "the peer's address and port: the client's")
    t.eq((info["local_address"], info["local_port"]), ("127.0.0.1", server.port), "ours: the server's")
    t.eq((info["tls"], info["alpn"], info["tls_version"], info["tls_cipher"], info["server_name"]),
         (False, None, None, None, None), "cleartext: tls false, no ALPN, no TLS fields")
    t.eq((info["session_peer"], info["session_requests"], again["session_requests"]), (f"127.0.0.1:{port}", 1, 2),
         "the session's own data, set in on_session_open, lives as long as the connection")
    info = get_json(t, server.url + "whoami", version="1.1")
    t.ok(info and info["http_version"] == "1.1" and info["tls"] is False, "/whoami over HTTP/1.1 in cleartext")


def whoami_tls(t):
    cert, key = t.certificate()
    server = t.server("--cert", cert, "--key", key)
    client = H2Client(server.port, tls=True, server_name="localhost")
    got = client.get("/whoami")
    port, version, cipher = client.sock.getsockname()[1], client.sock.version(), client.sock.cipher()[0]
    client.close()
    info = json.loads(got["body"]) if got else {}
    t.eq((info.get("peer_port"), info.get("local_port")), (port, server.port), "TLS: the addresses' ports")
    t.eq((info.get("tls"), info.get("alpn"), info.get("server_name"), info.get("http_version")),
         (True, "h2", "localhost", "2.0"), "TLS h2: tls true, ALPN h2, the SNI name")
    t.eq((info.get("tls_version"), info.get("tls_cipher")), (version, cipher),
         "TLS: the version and cipher suite the client sees")

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=20)) as sock:
        sock.sendall(b"GET /whoami HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
        port = sock.getsockname()[1]
    info = json.loads(response.partition(b"\r\n\r\n")[2] or b"{}")
    t.eq((info.get("peer_port"), info.get("tls"), info.get("alpn"), info.get("server_name"),
          info.get("http_version")), (port, True, "http/1.1", None, "1.1"),
         "TLS http/1.1 by ALPN, without SNI: alpn http/1.1, no server name")
    server.check()


def close_during_download(t):
    server = t.server()
    out = os.path.join(t.tmpdir(), "big")
    download = t.spawn([CURL, "--http2-prior-knowledge", "-sS", "--max-time", "60", "--limit-rate", "4M", "-o", out,
                        server.url + "big/16"])
    t.require(wait_for(lambda: os.path.exists(out) and os.path.getsize(out) >= 2 * MiB, 15),
              "a 16 MiB download is under way")
    got = t.curl(server.url + "close")
    t.ok(got and got[:2] == (200, b"closing\n"), "/close: h2r_server_close, twice")
    t.ok(wait_for(lambda: refused(server.port), 2), "new connections are refused once the server closes")
    t.ok(download.poll() is None, "while the download goes on")
    status, _, err = t.finish(download, 60)
    t.eq((status, os.path.getsize(out)), (0, 16 * MiB), "the download completes")
    t.eq(server.wait(15), 0, "the server exits 0 after the drain")
    t.eq(server.stdout_lines[-1:], ["done 1"], "the close's done callback ran once")
    server.check()


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except OSError:
        return True


def main(t):
    server = t.server()
    timers(t, server)
    many_delayed_requests(t, server, b"hello\n")
    gone_before_the_answer(t, server)
    posts(t, server)
    watches(t, server)
    whoami_cleartext(t, server)
    server.check()
    t.eq(server.stdout_lines[-1:], ["done 0"], "closed by SIGTERM (h2r_server_close_on_signals): no done callback")
    whoami_tls(t)
    close_during_download(t)


if __name__ == "__main__":
    run(main, timeout=120)
