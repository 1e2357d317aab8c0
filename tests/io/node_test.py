"""h2serve with Node's built-in http2 client (node_client.js): the pushes of /x and a plain GET."""

import json
import os

from h2serve_fixture import need_tool, run

NODE = need_tool("node")
CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_client.js")


def main(t):
    server = t.server()
    result = t.client([NODE, CLIENT, server.url], timeout=30)
    t.require(result.returncode == 0, "node_client.js exits 0", result.stderr.decode("utf-8", "replace"))
    try:
        seen = json.loads(result.stdout.decode())
    except ValueError:
        seen = None
    t.require(seen is not None, "node_client.js reports what it saw", result.stdout.decode("utf-8", "replace"))
    t.eq(seen["errors"], [], "no errors or timeout on the client")

    x = seen["responses"].get("/x", {})
    t.eq((x.get("status"), x.get("body"), x.get("id")), (200, "Server X Response", 1), "GET /x on stream 1: 200 and its body")
    pushes = sorted(seen["pushes"], key=lambda p: p["id"])
    t.eq([(p["path"], p["method"], p["id"]) for p in pushes], [("/y", "GET", 2), ("/z", "GET", 4)],
         "the session's 'stream' event brings the promises of /y (stream 2) and /z (stream 4)")
    for p, body in zip(pushes, ("Server Y Response", "Server Z Response")):
        t.eq((p.get("status"), p.get("type"), p.get("body"), p.get("ended")), (200, "text/plain", body, True),
             f"pushed {p['path']}: 200, text/plain, {body!r}, ended")

    hello = seen["responses"].get("/hello", {})
    t.eq((hello.get("status"), hello.get("length"), hello.get("body"), hello.get("id")),
         (200, "13", "Hello, World!", 3), "GET /hello on stream 3 of the same session: 200, 13 bytes")
    server.check()


run(main, timeout=60)
