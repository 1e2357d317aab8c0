"""h2serve under load from h2load: many streams per connection, and many connections."""

import re

from h2serve_fixture import need_tool, run

H2LOAD = need_tool("h2load")
REQUESTS = re.compile(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                      r"(\d+) errored, (\d+) timeout$", re.M)
STATUS = re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx$", re.M)
TRAFFIC = re.compile(r"^traffic: .*\((\d+)\) data$", re.M)


def load(t, server, requests, clients, streams, timeout):
    label = f"h2load -n {requests} -c {clients} -m {streams}"
    # -T and -N: a stalled connection ends the run with errors instead of hanging it.
    result = t.client([H2LOAD, "-n", str(requests), "-c", str(clients), "-m", str(streams), "-t", "2",
                       "-T", "20", "-N", "20", server.url + "hello"], timeout=timeout)
    out = result.stdout.decode("latin-1")
    t.ok(result.returncode == 0, f"{label}: exits 0", result.stderr.decode("latin-1"))
    m = REQUESTS.search(out)
    t.require(m, f"{label}: prints its request counts", out)
    total, started, done, succeeded, failed, errored, timed_out = map(int, m.groups())
    t.eq((done, succeeded), (requests, requests), f"{label}: every request done and succeeded")
    t.eq((failed, errored, timed_out), (0, 0, 0), f"{label}: none failed, errored or timed out")
    m = STATUS.search(out)
    t.require(m, f"{label}: prints its status codes", out)
    t.eq(tuple(map(int, m.groups())), (requests, 0, 0, 0), f"{label}: all {requests} answered 2xx")
    m = TRAFFIC.search(out)
    t.ok(m and int(m.group(1)) == 13 * requests, f"{label}: {13 * requests} body bytes in all", out)
    t.diag("\n".join(line for line in out.splitlines() if line.startswith(("finished in", "requests:"))))


def main(t):
    server = t.server("--workers", "2")
    load(t, server, 100000, 100, 10, timeout=60)
    load(t, server, 10000, 1000, 1, timeout=60)
    server.check()


run(main, timeout=100)
