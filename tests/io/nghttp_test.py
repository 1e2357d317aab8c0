"""h2serve's server push as nghttp sees it: the push example of shared/reference/push-example.zh.md.

GET /x must bring, on the request's stream, PUSH_PROMISE for /y (promised
stream 2) and /z (promised stream 4), then the /x response, then the pushed
responses with bodies "Server Y Response" and "Server Z Response".
"""

import re

from h2serve_fixture import need_tool, run

NGHTTP = need_tool("nghttp")
FRAME = re.compile(r"^\[\s*[\d.]+\] (send|recv) (\w+) frame <length=(\d+), flags=0x([0-9a-f]+), stream_id=(\d+)>")
HEADER = re.compile(r"^\[\s*[\d.]+\] recv \(stream_id=(\d+)\) (\S+): (.*)$")
PROMISED = re.compile(r"promised_stream_id=(\d+)")
END_STREAM = 0x1


def parse_trace(text):
    """nghttp -v output as a list of frames: dicts with dir, type, stream, flags, headers, promised, body.

    nghttp prints each received header before the frame line that carries it, and the body of a DATA frame
    (without -n) just before the frame line, on the same line."""
    frames, headers = [], []
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            headers.append((m.group(2), m.group(3)))
            continue
        body, _, rest = line.partition("[")
        m = FRAME.match("[" + rest) if rest else None
        if m:
            frames.append({"dir": m.group(1), "type": m.group(2), "length": int(m.group(3)),
                           "flags": int(m.group(4), 16), "stream": int(m.group(5)), "headers": headers,
                           "body": body, "promised": None})
            headers = []
            continue
        m = PROMISED.search(line)
        if m and frames and frames[-1]["type"] == "PUSH_PROMISE":
            frames[-1]["promised"] = int(m.group(1))
    return frames


def index_of(frames, **want):
    for i, f in enumerate(frames):
        if f["dir"] == "recv" and all(f[k] == v for k, v in want.items()):
            return i
    return None


def push_example(t, server, null_out):
    args = [NGHTTP, "-v", "--no-dep", "-t", "10", server.url + "x"]
    if null_out:
        args.insert(1, "-n")
    result = t.client(args, timeout=20)
    label = "nghttp -nv" if null_out else "nghttp -v"
    t.require(result.returncode == 0, f"{label} /x succeeds", result.stderr.decode("latin-1"))
    frames = parse_trace(result.stdout.decode("latin-1"))
    request = next((f for f in frames if f["dir"] == "send" and f["type"] == "HEADERS"), None)
    t.require(request is not None, f"{label}: the request HEADERS is in the trace")
    sid = request["stream"]

    promises = [f for f in frames if f["dir"] == "recv" and f["type"] == "PUSH_PROMISE"]
    t.eq([(f["stream"], f["promised"], dict(f["headers"]).get(":path")) for f in promises],
         [(sid, 2, "/y"), (sid, 4, "/z")],
         f"{label}: PUSH_PROMISE /y (promised 2) then /z (promised 4) on the request stream {sid}")
    for f in promises:
        h = dict(f["headers"])
        t.eq((h.get(":method"), h.get(":scheme"), h.get(":authority")),
             ("GET", "http", server.url[len("http://"):-1]), f"{label}: promise of {h.get(':path')} names the request")

    # The order the example gives: promises, the /x response, then the pushed responses, /y before /z.
    order = {
        "PUSH_PROMISE /y": index_of(frames, type="PUSH_PROMISE", promised=2),
        "PUSH_PROMISE /z": index_of(frames, type="PUSH_PROMISE", promised=4),
        "HEADERS /x": index_of(frames, type="HEADERS", stream=sid),
        "DATA /x": index_of(frames, type="DATA", stream=sid),
        "HEADERS /y": index_of(frames, type="HEADERS", stream=2),
        "HEADERS /z": index_of(frames, type="HEADERS", stream=4),
        "DATA /y": index_of(frames, type="DATA", stream=2),
        "DATA /z": index_of(frames, type="DATA", stream=4),
    }
    missing = [k for k, v in order.items() if v is None]
    t.require(not missing, f"{label}: every frame of the example arrived", f"missing: {missing}")
    before = [("PUSH_PROMISE /y", "PUSH_PROMISE /z"), ("PUSH_PROMISE /z", "HEADERS /x"), ("HEADERS /x", "DATA /x"),
              ("DATA /x", "DATA /y"), ("HEADERS /y", "HEADERS /z"), ("HEADERS /y", "DATA /y"),
              ("HEADERS /z", "DATA /z"), ("DATA /y", "DATA /z")]
    for a, b in before:
        t.ok(order[a] < order[b], f"{label}: {a} before {b}", f"frame indexes: {order}")
    for name, idx, body in (("/x", order["DATA /x"], "Server X Response"), ("/y", order["DATA /y"], "Server Y Response"),
                            ("/z", order["DATA /z"], "Server Z Response")):
        f = frames[idx]
        t.ok(f["flags"] & END_STREAM and f["length"] == len(body), f"{label}: DATA of {name} ends its stream, {len(body)} bytes")
        if not null_out:
            t.eq(f["body"], body, f"{label}: body of {name}")
        status = dict(frames[order["HEADERS " + name]]["headers"]).get(":status")
        t.eq(status, "200", f"{label}: {name} answered 200")
    t.ok(not any(f["dir"] == "recv" and f["type"] in ("RST_STREAM", "GOAWAY") for f in frames),
         f"{label}: no RST_STREAM or GOAWAY from the server")


def assets(t, server):
    """nghttp -a on / takes the page's stylesheet and script from the pushes instead of asking for them."""
    result = t.client([NGHTTP, "-anv", "-t", "10", server.url], timeout=20)
    t.require(result.returncode == 0, "nghttp -a / succeeds", result.stderr.decode("latin-1"))
    frames = parse_trace(result.stdout.decode("latin-1"))
    promised = {dict(f["headers"]).get(":path"): f["promised"] for f in frames
                if f["dir"] == "recv" and f["type"] == "PUSH_PROMISE"}
    t.eq(sorted(promised), ["/app.js", "/style.css"], "nghttp -a /: /style.css and /app.js are promised")
    requested = [f["stream"] for f in frames if f["dir"] == "send" and f["type"] == "HEADERS"]
    t.eq(len(requested), 1, "nghttp -a /: only / is requested, the assets come pushed")
    for path, stream in promised.items():
        data = [f for f in frames if f["dir"] == "recv" and f["type"] == "DATA" and f["stream"] == stream]
        t.ok(data and data[-1]["flags"] & END_STREAM, f"nghttp -a /: {path} arrives complete on stream {stream}")

    # The statistics mark pushed resources with '*' and give each one's status and size.
    result = t.client([NGHTTP, "-ans", "-t", "10", server.url], timeout=20)
    rows = {}
    for line in result.stdout.decode("latin-1").splitlines():
        m = re.match(r"^\s*(\d+)\s+\S+\s+(\*)?\s*\S+\s+\S+\s+(\d+)\s+(\d+)\s+(\S+)$", line)
        if m:
            rows[m.group(5)] = (m.group(2) == "*", int(m.group(3)), int(m.group(4)))
    t.eq(rows.get("/style.css"), (True, 200, 47), "nghttp -as: /style.css pushed, 200, 47 bytes")
    t.eq(rows.get("/app.js"), (True, 200, 33), "nghttp -as: /app.js pushed, 200, 33 bytes")
    t.eq(rows.get("/", (None,))[0], False, "nghttp -as: / requested")


def many_streams(t, server):
    """Concurrent requests on one connection, pushes among them."""
    urls = [server.url + p for p in ("hello", "x", "nope", "hello?2", "hello?3")]
    result = t.client([NGHTTP, "-nv", "--no-dep", "-t", "10"] + urls, timeout=20)
    t.require(result.returncode == 0, "nghttp with 5 URLs succeeds", result.stderr.decode("latin-1"))
    frames = parse_trace(result.stdout.decode("latin-1"))
    sent = {f["stream"] for f in frames if f["dir"] == "send" and f["type"] == "HEADERS"}
    ended = {f["stream"] for f in frames if f["dir"] == "recv" and f["type"] == "DATA" and f["flags"] & END_STREAM}
    t.eq(len(sent), 5, "five requests on one connection")
    t.ok(sent <= ended, "every request stream got its body to the end", f"sent {sent}, ended {ended}")
    t.ok({2, 4} <= ended, "the pushes of /x arrived among them")
    statuses = sorted(dict(f["headers"]).get(":status") for f in frames
                      if f["dir"] == "recv" and f["type"] == "HEADERS" and f["stream"] in sent)
    t.eq(statuses, ["200", "200", "200", "200", "404"], "their statuses")


def main(t):
    server = t.server("--access-log", "-")
    push_example(t, server, null_out=True)
    push_example(t, server, null_out=False)
    assets(t, server)
    many_streams(t, server)
    server.check()
    # --access-log - writes to stdout after the URL line; a pushed response is logged as PUSH.
    log = server.stdout_lines[1:]
    for want in ('"GET /x HTTP/2" 200 17', '"PUSH /y HTTP/2" 200 17', '"PUSH /z HTTP/2" 200 17',
                 '"PUSH /style.css HTTP/2" 200 47', '"GET /hello?2 HTTP/2" 200 13', '"GET /nope HTTP/2" 404 10'):
        t.ok(any(line.endswith(want) for line in log), f"--access-log - logged {want}", "\n".join(log))


if __name__ == "__main__":
    run(main, timeout=60)
