"""h2serve's GET /delay/N (apps/demo_delay.c) with real clients: answers made later by a timer on the worker's
loop, 10,000 at once on one worker while other requests are answered at once; N's bounds; streams reset and
connections cut before the timer fires (the timer goes with the stream: it never answers, and the access log,
which logs each answer, shows none), the server serving on.
"""

import os
import re
import time

from h2serve_fixture import H2Client, many_delayed_requests, need_python_h2, need_tool, run

need_python_h2()

CURL = need_tool("curl")
need_tool("h2load")  # for many_delayed_requests: a missing client skips the test before it starts


def curl_timed(t, url, version="2"):
    """(status, body, seconds) of one curl request, or None if it failed (reported)."""
    started = time.monotonic()
    got = t.curl(url, version=version)
    return got and (got[0], got[1], time.monotonic() - started)


def answers(t, server):
    for version in ("2", "1.1"):
        got = curl_timed(t, server.url + "delay/150", version)
        t.ok(got and got[:2] == (200, b"waited 150 ms") and 0.15 <= got[2] < 5,
             f"HTTP/{version}: /delay/150 answers 'waited 150 ms' after 150 ms", got)
    got = curl_timed(t, server.url + "delay/0")
    t.ok(got and got[:2] == (200, b"waited 0 ms"), "/delay/0: answered", got)
    got = t.curl(server.url + "delay/20?x=1")
    t.ok(got and got[:2] == (200, b"waited 20 ms"), "/delay/20?x=1: the query is not part of N", got)
    for n in ("10001", "-1", "abc", "", "1e3", "+5", "99999999999999999999"):
        got = t.curl(server.url + "delay/" + n)
        t.ok(got and got[0] == 400, f"/delay/{n}: 400", got)
    got = t.curl(server.url + "delay/10", "-X", "POST")
    t.ok(got and got[0] == 405 and got[2].get("allow") == "GET, HEAD", "POST /delay/10: 405, allow GET, HEAD", got)


def logged(log, path):
    with open(log, encoding="latin-1") as f:
        return re.findall(rf'"GET {re.escape(path)} HTTP/2" (\d+)', f.read())


def gone_before_the_answer(t, server, log):
    # One connection resets its stream, another is cut with two streams waiting.
    reset, cut = H2Client(server.port), H2Client(server.port)
    waiting = [reset.request("/delay/301")] + [cut.request("/delay/302") for _ in range(2)]
    time.sleep(0.05)
    reset.reset(waiting[0])
    cut.close()
    answered = H2Client(server.port)
    kept = answered.request("/delay/303")
    t.ok(answered.pump([kept]) and answered.streams[kept]["body"] == b"waited 303 ms",
         "meanwhile, /delay/303 on another connection is answered")
    answered.close()
    time.sleep(0.3)  # past the 301 and 302 ms of the others
    # The connection that reset its stream carries on.
    got = reset.get("/hello")
    t.ok(got and got["body"] == b"Hello, World!", "a connection that reset a delayed stream is served on")
    reset.close()
    t.eq((logged(log, "/delay/301"), logged(log, "/delay/302"), logged(log, "/delay/303")), ([], [], ["200"]),
         "the timers of a reset stream and of a cut connection never answered (the access log logs each answer)")


def main(t):
    log = os.path.join(t.tmpdir(), "access.log")
    server = t.server("--workers", "1", "--access-log", log)
    longest = t.spawn([CURL, "--http2-prior-knowledge", "-sS", "--max-time", "30", "-w", " %{time_total}",
                       server.url + "delay/10000"])
    answers(t, server)
    many_delayed_requests(t, server, b"Hello, World!")
    gone_before_the_answer(t, server, log)
    status, out, err = t.finish(longest, 30)
    body, _, seconds = out.decode("latin-1").rpartition(" ")
    t.ok(status == 0 and body == "waited 10000 ms" and float(seconds) >= 10,
         f"/delay/10000, asked first: answered last, after 10 s ({seconds} s)", out + err)
    server.check()


if __name__ == "__main__":
    run(main, timeout=90)
