"""h2serve with curl --http2-prior-knowledge: the demo site, --root and the access log."""

import os
import re

from h2serve_fixture import need_tool, run

need_tool("curl")  # before anything runs: without curl the whole test is skipped


def curl(t, url, *extra):
    """(status, body as text, headers) of one HTTP/2 request with the fixture's curl, the path as given; a curl
    failure ends the test."""
    got = t.curl(url, "--path-as-is", "--max-time", "10", *extra)
    t.require(got is not None, f"curl {' '.join(extra)} {url}: a response")
    code, body, headers = got
    return code, body.decode("latin-1"), headers


def demo_site(t, log_path):
    server = t.server("--access-log", log_path)
    base = server.url

    code, body, headers = curl(t, base + "hello")
    t.eq(code, 200, "GET /hello: 200")
    t.eq(body, "Hello, World!", "GET /hello: the body")
    t.eq(headers.get("content-length"), "13", "GET /hello: content-length 13")
    t.eq(headers.get("content-type"), "text/plain", "GET /hello: content-type")
    t.ok("date" in headers, "GET /hello: a date header")

    code, body, headers = curl(t, base + "hello", "--head")
    t.eq(code, 200, "HEAD /hello: 200")
    t.eq(body, "", "HEAD /hello: no body")
    t.eq(headers.get("content-length"), "13", "HEAD /hello: the length GET would have")

    code, body, _ = curl(t, base + "hello?n=1")
    t.eq((code, body), (200, "Hello, World!"), "GET /hello?n=1: the query names no other resource")

    code, body, _ = curl(t, base + "no/such/thing")
    t.eq(code, 404, "GET /no/such/thing: 404")
    t.eq(body, "not found\n", "404 body")

    code, body, headers = curl(t, base + "hello", "--data-binary", "x" * 5000)
    t.eq(code, 405, "POST /hello with a body: 405")
    t.eq(headers.get("allow"), "GET, HEAD", "405 names the allowed methods")
    t.eq(body, "method not allowed\n", "405 body")

    # One request per curl: Debian's curl 7.88.1 fails a second request on a reused prior-knowledge
    # connection by itself (curl issue 10634); nghttp and h2load cover many streams per connection.
    code, body, _ = curl(t, base + "x")
    t.eq((code, body), (200, "Server X Response"), "GET /x: 200 (curl refuses pushes)")

    server.check()
    with open(log_path) as f:
        lines = f.read().splitlines()
    expected = ['"GET /hello HTTP/2" 200 13', '"HEAD /hello HTTP/2" 200 13',
                '"GET /hello?n=1 HTTP/2" 200 13', '"GET /no/such/thing HTTP/2" 404 10',
                '"POST /hello HTTP/2" 405 19', '"GET /x HTTP/2" 200 17']
    t.eq(len(lines), len(expected), "--access-log: one line per response")
    for line, want in zip(lines, expected):
        t.ok(re.match(r"127\.0\.0\.1:\d+ \[[^]]+ GMT\] stream \d+ ", line) and line.endswith(want),
             f"access log line: the client's address and port, the date, and {want}", f"line: {line!r}")


def make_root(t):
    """A document root beside a secret that must stay out of reach."""
    top = t.tmpdir()
    root = os.path.join(top, "root")
    os.makedirs(os.path.join(root, "sub", "deeper"))
    files = {
        "index.html": "<h1>top index</h1>\n",
        "plain.txt": "plain text\n",
        "with space.txt": "a name with a space\n",
        "sub/index.html": "<h1>sub index</h1>\n",
        "sub/data.json": '{"ok": true}\n',
        "sub/deeper/empty.bin": "",
    }
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    with open(os.path.join(top, "secret.txt"), "w") as f:
        f.write("SECRET outside the root\n")
    os.symlink(os.path.join(top, "secret.txt"), os.path.join(root, "abs-link"))
    os.symlink("../secret.txt", os.path.join(root, "rel-link"))
    os.symlink(top, os.path.join(root, "dir-link"))
    os.symlink("/etc", os.path.join(root, "etc"))
    os.symlink("plain.txt", os.path.join(root, "inside-link"))
    return top, root


def static_files(t):
    top, root = make_root(t)
    server = t.server("--root", root, "--workers", "1")
    base = server.url.rstrip("/")

    good = [
        ("/", "<h1>top index</h1>\n", "text/html; charset=utf-8"),
        ("/index.html", "<h1>top index</h1>\n", "text/html; charset=utf-8"),
        ("/plain.txt", "plain text\n", "text/plain; charset=utf-8"),
        ("/plain.txt?query=1", "plain text\n", "text/plain; charset=utf-8"),
        ("/with%20space.txt", "a name with a space\n", "text/plain; charset=utf-8"),
        ("/sub/", "<h1>sub index</h1>\n", "text/html; charset=utf-8"),
        ("/sub", "<h1>sub index</h1>\n", "text/html; charset=utf-8"),
        ("/sub/data.json", '{"ok": true}\n', "application/json"),
        ("/sub/deeper/empty.bin", "", "application/octet-stream"),
        ("/sub/./data.json", '{"ok": true}\n', "application/json"),
        ("/inside-link", "plain text\n", "application/octet-stream"),
    ]
    for path, want, ctype in good:
        code, body, headers = curl(t, base + path)
        t.eq((code, body), (200, want), f"GET {path}: 200 and the file")
        t.eq(headers.get("content-type"), ctype, f"GET {path}: content-type")
        t.eq(headers.get("content-length"), str(len(want)), f"GET {path}: content-length")

    code, body, headers = curl(t, base + "/plain.txt", "--head")
    t.eq((code, body, headers.get("content-length")), (200, "", "11"), "HEAD /plain.txt: headers only")
    code, _, headers = curl(t, base + "/plain.txt", "--data-binary", "body")
    t.eq((code, headers.get("allow")), (405, "GET, HEAD"), "POST /plain.txt: 405 with allow")

    escapes = [
        "/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/etc/passwd",
        "/sub/../../secret.txt", "/sub/..%2f..%2fsecret.txt", "/sub/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/a%2fb", "/sub%2fdata.json", "/abs-link", "/rel-link", "/dir-link/secret.txt", "/etc/passwd",
        "/etc/", "/plain.txt%00.html", "/missing.txt", "/sub/missing/", "/%zz", "/with%2", "/..",
        "/sub/..", "/sub/deeper/../../..",
        # A ".." segment is refused even where it would stay inside the root.
        "/sub/../plain.txt",
    ]
    for path in escapes:
        code, body, _ = curl(t, base + path)
        t.eq(code, 404, f"GET {path}: 404")
        t.ok("SECRET" not in body and "root:" not in body, f"GET {path}: nothing from outside the root", body)
    server.check()


def main(t):
    log_dir = t.tmpdir()
    demo_site(t, os.path.join(log_dir, "access.log"))
    static_files(t)


run(main, timeout=60)
