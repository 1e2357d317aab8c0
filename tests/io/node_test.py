"""h2serve with Node's built-in http2 client (node_client.js): the pushes of /x and a plain GET.

node_checks is shared with tls_test.py, which runs the same checks over TLS.
"""

import json
import os

from h2serve_fixture import need_tool, run

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_client.js")


def node_checks(t, node, server, prefix=""):
    """One node_client.js session against server (http or https): what it saw, checked."""
    p = f"{prefix}: " if prefix else ""
    result = t.client([node, CLIENT, server.url], timeout=30)
    t.require(result.returncode == 0, f"{p}node_client.js exits 0", result.stderr.decode("utf-8", "replace"))
    try:
        seen = json.loads(result.stdout.decode())
    except ValueError:
        seen = None
    t.require(seen is not None, f"{p}node_client.js reports what it saw", result.stdout.decode("utf-8", "replace"))
    t.eq(seen["errors"], [], f"{p}no errors or timeout on the client")
    protocol = "h2" if server.scheme == "https" else "h2c"
    t.eq(seen.get("alpn"), protocol, f"{p}the session speaks {protocol}")

    x = seen["responses"].get("/x", {})
    t.eq((x.get("status"), x.get("body"), x.get("id")), (200, "Server X Response", 1),
         f"{p}GET /x on stream 1: 200 and its body")
    pushes = sorted(seen["pushes"], key=lambda push: push["id"])
    t.eq([(push["path"], push["method"], push["id"]) for push in pushes], [("/y", "GET", 2), ("/z", "GET", 4)],
         f"{p}the session's 'stream' event brings the promises of /y (stream 2) and /z (stream 4)")
    for push, body in zip(pushes, ("Server Y Response", "Server Z Response")):
        t.eq((push.get("status"), push.get("type"), push.get("body"), push.get("ended")),
             (200, "text/plain", body, True), f"{p}pushed {push['path']}: 200, text/plain, {body!r}, ended")

    hello = seen["responses"].get("/hello", {})
    t.eq((hello.get("status"), hello.get("length"), hello.get("body"), hello.get("id")),
         (200, "13", "Hello, World!", 3), f"{p}GET /hello on stream 3 of the same session: 200, 13 bytes")


def main(t, node):
    server = t.server()
    node_checks(t, node, server)
    server.check()


if __name__ == "__main__":
    NODE = need_tool("node")
    run(lambda t: main(t, NODE), timeout=60)
