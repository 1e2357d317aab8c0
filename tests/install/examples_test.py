"""libh2ring as an application gets it: installed, then built against with pkg-config alone.

`meson install --destdir` puts the build into a temporary tree; pkg-config
reads h2ring.pc from there (PKG_CONFIG_PATH, with PKG_CONFIG_SYSROOT_DIR for
the tree's root). Each example of examples/ is then built out of tree by the
two commands README.md gives for hello.c (the shared library, and the static
one by pkg-config --static), run, and checked with curl and nghttp. The
README's hello.c must be examples/hello.c, word for word. Without
sanitizers, jemalloc must be the allocator of hello's process, with the
runtime's malloc_conf (its background thread runs), unless hello.c defines a
malloc_conf of its own. deferred and upload also meet HTTP/2 clients that go
away before the answer (frames written by hand), and must go on answering.
h2serve is installed too, and its --help names every option it takes.

In a sanitizer build the library's code calls the sanitizers' runtime, which
only an executable brings in: the examples are compiled with the build's own
-fsanitize flags, as any program linking that library must be. They are
compiled with -Wall -Wextra -Werror besides.

Usage: examples_test.py SOURCE_ROOT BUILD_ROOT --meson MESON --prefix P --bindir B --libdir L
                        --includedir I [--sanitize LIST] --cc CC...
"""

import argparse
import glob
import os
import re
import shlex
import shutil
import socket
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
from h2serve_fixture import Abort, Server, need_tool, run  # noqa: E402
from nghttp_test import push_example  # noqa: E402

EXAMPLES = ("hello", "hello_compat", "push", "files", "tls", "deferred", "upload")
CODE_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


class Example(Server):
    """An example: it takes --port and listens on 127.0.0.1."""

    LISTEN_ARGS = ("--port", "0")


def readme_section(t, source_root):
    """The README's "Use it as a library": (its hello.c, its commands that build hello.c)."""
    with open(os.path.join(source_root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    match = re.search(r"^## Use it as a library\n(.*?)(?=^## )", readme, re.M | re.S)
    t.require(match, 'README.md has a section "Use it as a library"')
    blocks = CODE_BLOCK.findall(match.group(1))
    c_code = [code for lang, code in blocks if lang == "c"]
    commands = [line for lang, code in blocks if lang == "sh" for line in code.splitlines()
                if line.startswith("cc hello.c ")]
    t.require(len(c_code) == 1 and len(commands) == 2,
              "the section shows one C file and two commands that build hello.c", f"commands: {commands}")
    return c_code[0], commands


def compiler_wrapper(t, cc, sanitize):
    """A directory with a `cc` that is the build's compiler, its sanitizers and strict warnings."""
    bindir = t.tmpdir()
    compiler = [need_tool(cc[0])] + cc[1:]  # by its path: this `cc` comes first in PATH
    flags = compiler + ([f"-fsanitize={sanitize}"] if sanitize != "none" else []) + ["-Wall", "-Wextra", "-Werror"]
    path = os.path.join(bindir, "cc")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'#!/bin/sh\nexec {shlex.join(flags)} "$@"\n')
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return bindir


def build(t, source_root, command, workdir, env):
    """Runs one README command for every example (hello replaced by its name): their paths."""
    binaries = {}
    for name in EXAMPLES:
        shutil.copy(os.path.join(source_root, "examples", name + ".c"), workdir)
        line = re.sub(r"\bhello\b", name, command)
        result = t.client(["bash", "-c", line], timeout=120, cwd=workdir, env=env)
        output = os.path.join(workdir, re.search(r"-o (\S+)$", line).group(1))
        t.ok(result.returncode == 0 and os.path.exists(output), f"builds: {line}",
             result.stderr.decode("utf-8", "replace"))
        binaries[name] = output
    return binaries


def needed(t, binary):
    result = t.client([need_tool("readelf"), "-d", binary], timeout=30)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", result.stdout.decode())


def expect(t, server, path, want, what, *extra, version="2"):
    """One curl request for path, checked: want is its (status, body), or its status alone."""
    got = t.curl(server.url + path, *extra, version=version)
    if got:
        t.eq(got[:2] if isinstance(want, tuple) else got[0], want, f"{server.label}: {what}")
    return got


def hello_checks(t, server, versions):
    for version in versions:
        expect(t, server, "", (200, b"Hello, World!"), f"/ over HTTP/{version} says Hello, World!", version=version)
    expect(t, server, "nope", 404, "/nope is 404")


def tls_checks(t, server):
    for version, protocol in (("2", "h2"), ("1.1", "http/1.1")):
        expect(t, server, "", (200, f"Hello over {protocol}\n".encode()), f"ALPN chose {protocol}", version=version)


def files_checks(t, server, root):
    with open(os.path.join(root, "a.txt"), "rb") as f:
        got = expect(t, server, "a.txt", (200, f.read()), "/a.txt is the file")
    modified = got and got[2].get("last-modified")
    if t.ok(modified, f"{server.label}: statCheck added last-modified", got and got[2]):
        expect(t, server, "a.txt", (304, b""), f"statCheck answers if-modified-since: {modified} with 304",
               "-H", f"if-modified-since: {modified}")
    expect(t, server, "missing.txt", 404, "onError answers a missing file with 404")


def curl_seconds(t, server, path):
    """One curl request over HTTP/2: (status, seconds until its first response byte)."""
    result = t.client([need_tool("curl"), "--http2-prior-knowledge", "-sS", "--max-time", "20", "-o", os.devnull,
                       "-w", "%{http_code} %{time_starttransfer}", server.url + path], timeout=30)
    t.require(result.returncode == 0, f"{server.label}: curl {path} succeeds", result.stderr.decode("latin-1"))
    code, seconds = result.stdout.decode().split()
    return int(code), float(seconds)


def h2_frame(kind, flags, stream_id, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream_id) + payload


def h2_request(stream_id, method, path, end_stream):
    """HEADERS (END_HEADERS, and END_STREAM if end_stream) of a request, HPACK by hand: GET or POST and http from
    the static table, :authority and :path literals without indexing."""
    block = bytes([{"GET": 0x82, "POST": 0x83}[method], 0x86]) + b"".join(
        bytes([index, len(value)]) + value.encode() for index, value in ((1, "127.0.0.1"), (4, path)))
    return h2_frame(1, 0x4 | (0x1 if end_stream else 0), stream_id, block)


def h2_send_and_close(server, frames):
    """An HTTP/2 client that sends frames in one write, then closes its connection without reading."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b"") + b"".join(frames))


def gone_before_the_answer(server, paths, reset):
    """A client that asks for paths over HTTP/2, then resets each stream (RST_STREAM CANCEL, in the same write)
    or closes the connection, before any answer can come."""
    cancel = struct.pack(">I", 8)
    h2_send_and_close(server, [h2_request(2 * i + 1, "GET", path, True) +
                               (h2_frame(3, 0, 2 * i + 1, cancel) if reset else b"") for i, path in enumerate(paths)])


def wait_for_lines(server, lines, timeout=10):
    """Waits until the server's stderr holds every line: those still missing."""
    deadline = time.monotonic() + timeout
    while True:
        missing = [line for line in lines if line not in server.stderr().splitlines()]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.05)


def deferred_answers(t, server):
    for version in ("2", "1.1"):
        expect(t, server, "delay/50", (200, b"waited 50 ms\n"), f"/delay/50 over HTTP/{version}", version=version)
        expect(t, server, "pool/100000", (200, b"9592 primes below 100000\n"),
               f"/pool/100000 over HTTP/{version}: the pool's answer", version=version)
    status, seconds = curl_seconds(t, server, "delay/50")
    t.ok(status == 200 and seconds >= 0.05, f"{server.label}: /delay/50 answered after 50 ms or more",
         f"status {status} after {seconds:.3f} s")


def deferred_checks(t, server):
    """Timers and the pool's posts answer; a client that went away before them does no harm."""
    deferred_answers(t, server)
    for reset, how, n in ((True, "resets its streams", 1), (False, "closes its connection", 2)):
        gone_before_the_answer(server, [f"/delay/500{n}", f"/pool/30000{n}"], reset)
        missing = wait_for_lines(server, [
            f"deferred: /delay/500{n}: the client went away, the timer is stopped",
            f"deferred: /pool/30000{n}: the client went away, the answer is dropped"])
        t.ok(not missing, f"{server.label}: a client that {how} before the answers: the timer is stopped, the "
             "pool's answer finds the stream closed", server.stderr())
    deferred_answers(t, server)


def fnv1a64(path):
    """FNV-1a of 64 bits, as examples/upload.c computes it."""
    value = 0xcbf29ce484222325
    with open(path, "rb") as f:
        for byte in f.read():
            value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return value


def upload_checks(t, server, body):
    """The FNV-1a of an upload of a few MiB, processed in several pieces; an upload cut short does no harm."""
    path, value, size = body
    h2_send_and_close(server, [h2_request(1, "POST", "/", False)] + [h2_frame(0, 0, 1, bytes(16384))] * 3)
    expect(t, server, "", 405, "GET is 405")
    for version in ("2", "1.1"):
        got = expect(t, server, "", (200, f"{value:016x}\n".encode()),
                     f"POST of {size >> 20} MiB over HTTP/{version}: its FNV-1a", "--data-binary", "@" + path,
                     version=version)
        pieces = got and got[2].get("x-pieces", "0")
        t.ok(pieces and int(pieces) > 1, f"{server.label}: over HTTP/{version}, processed in more than one piece",
             f"x-pieces: {pieces}")


def allocator_check(t, server, jemalloc):
    """jemalloc is the process's allocator, with the runtime's malloc_conf (background_thread:true), unless the
    build has sanitizers, whose malloc wins."""
    names = set()
    for comm in glob.glob(f"/proc/{server.pid}/task/*/comm"):
        with open(comm, encoding="utf-8") as f:
            names.add(f.read().strip())
    t.eq("jemalloc_bg_thd" in names, jemalloc,
         f"{server.label}: jemalloc's background thread {'runs' if jemalloc else 'does not run'}")


def own_malloc_conf(t, source_root, command, env):
    """hello.c with a malloc_conf of its own, built by command: the application's options win over the
    runtime's (no background thread)."""
    workdir = t.tmpdir()
    with open(os.path.join(source_root, "examples", "hello.c"), encoding="utf-8") as f:
        code = f.read()
    with open(os.path.join(workdir, "hello.c"), "w", encoding="utf-8") as f:
        f.write('const char *malloc_conf = "background_thread:false";\n' + code)
    result = t.client(["bash", "-c", command], timeout=120, cwd=workdir, env=env)
    t.require(result.returncode == 0, f"builds hello.c with its own malloc_conf: {command}",
              result.stderr.decode("utf-8", "replace"))
    server = Example(t, os.path.join(workdir, re.search(r"-o (\S+)$", command).group(1)), [], start_timeout=30)
    expect(t, server, "", (200, b"Hello, World!"), "with its own malloc_conf, says Hello, World!")
    allocator_check(t, server, False)
    server.check()


def run_examples(t, binaries, fixtures, jemalloc):
    """Starts each example, checks it with real clients, stops it (exit 0, no sanitizer report)."""
    root, (cert, key), body = fixtures
    checks = {
        "hello": ([], lambda s: (hello_checks(t, s, ["2"]), allocator_check(t, s, jemalloc))),
        "hello_compat": ([], lambda s: hello_checks(t, s, ["2", "1.1"])),
        "push": ([], lambda s: push_example(t, s, null_out=False)),
        "files": ([root], lambda s: files_checks(t, s, root)),
        "tls": ([cert, key], lambda s: tls_checks(t, s)),
        "deferred": ([], lambda s: deferred_checks(t, s)),
        "upload": ([], lambda s: upload_checks(t, s, body)),
    }
    for name, binary in binaries.items():
        args, check = checks[name]
        server = Example(t, binary, args, start_timeout=30)
        check(server)
        server.check()


def install(t, opts, destdir):
    """meson install into destdir. Its log of what it installed is put back as it was: `ninja uninstall`
    reads it, and must still find a real installation made from this build."""
    log = os.path.join(opts.build_root, "meson-logs", "install-log.txt")
    kept = None
    if os.path.exists(log):
        with open(log, "rb") as f:
            kept = f.read()
    try:
        return t.client([opts.meson, "install", "-C", opts.build_root, "--no-rebuild", "--quiet", "--destdir",
                         destdir], timeout=120)
    finally:
        if kept is not None:
            with open(log, "wb") as f:
                f.write(kept)
        elif os.path.exists(log):
            os.remove(log)


def check_install(t, opts, destdir):
    """The installed tree: the libraries, the headers as in the source, h2serve with a complete --help."""
    libdir = destdir + os.path.join(opts.prefix, opts.libdir)
    for name in ("libh2ring.a", "libh2ring.so", "pkgconfig/h2ring.pc"):
        t.ok(os.path.exists(os.path.join(libdir, name)), f"installed: {opts.libdir}/{name}")
    t.ok(re.fullmatch(r"libh2ring\.so\.\d+", os.readlink(os.path.join(libdir, "libh2ring.so")) or ""),
         "libh2ring.so links to the soname")
    headers = sorted(os.path.basename(p) for p in glob.glob(os.path.join(opts.source_root, "include/h2ring/*.h")))
    installed = destdir + os.path.join(opts.prefix, opts.includedir, "h2ring")
    t.eq(sorted(os.listdir(installed)) if os.path.isdir(installed) else [], headers,
         f"installed: {opts.includedir}/h2ring/ holds the public headers")

    h2serve = destdir + os.path.join(opts.prefix, opts.bindir, "h2serve")
    t.require(os.path.exists(h2serve), f"installed: {opts.bindir}/h2serve")
    result = t.client([h2serve, "--help"], timeout=30)
    t.eq(result.returncode, 0, "h2serve --help exits 0")
    synopsis, _, described = result.stdout.decode().partition("\n\n")
    with open(os.path.join(opts.source_root, "apps", "h2serve.c"), encoding="utf-8") as f:
        taken = re.findall(r'\{"([\w-]+)", (?:no|required)_argument', f.read())
    t.ok(len(taken) > 10, f"h2serve.c takes {len(taken)} options")
    for option in taken:
        t.ok(re.search(rf"--{option}\b", synopsis) and re.search(rf"^  --{option}\b", described, re.M),
             f"h2serve --help shows --{option} in its usage and describes it", result.stdout.decode())


def main(t, opts):
    hello_c, commands = readme_section(t, opts.source_root)
    with open(os.path.join(opts.source_root, "examples", "hello.c"), encoding="utf-8") as f:
        t.eq(hello_c, f.read(), "README.md's hello.c is examples/hello.c")

    destdir = t.tmpdir()
    result = install(t, opts, destdir)
    t.require(result.returncode == 0, "meson install --destdir succeeds", result.stderr.decode("utf-8", "replace"))
    check_install(t, opts, destdir)

    libdir = destdir + os.path.join(opts.prefix, opts.libdir)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"), PKG_CONFIG_SYSROOT_DIR=destdir)
    env["PATH"] = compiler_wrapper(t, opts.cc, opts.sanitize) + os.pathsep + env["PATH"]
    # The shared library from the installed tree, not one installed on the machine.
    os.environ["LD_LIBRARY_PATH"] = libdir

    root = t.tmpdir()
    with open(os.path.join(root, "a.txt"), "wb") as f:
        f.write(b"a file served by respondWithFile\n")
    body = os.path.join(t.tmpdir(), "body")
    with open(body, "wb") as f:
        f.write(os.urandom(4 << 20))
    fixtures = (root, t.certificate(), (body, fnv1a64(body), 4 << 20))
    for command in commands:
        static = "--static" in command
        kind = "static" if static else "shared"
        binaries = build(t, opts.source_root, command, t.tmpdir(), env)
        if len(binaries) != len(EXAMPLES) or not all(os.path.exists(b) for b in binaries.values()):
            raise Abort()
        links = needed(t, binaries["hello"])
        t.ok(any(lib.startswith("libh2ring.so") for lib in links) != static,
             f"{kind}: hello {'does not need' if static else 'needs'} libh2ring.so", f"NEEDED: {links}")
        run_examples(t, binaries, fixtures, jemalloc=opts.sanitize == "none")
        if opts.sanitize == "none":
            own_malloc_conf(t, opts.source_root, command, env)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("source_root")
    parser.add_argument("build_root")
    parser.add_argument("--meson", required=True)
    for option in ("prefix", "bindir", "libdir", "includedir"):
        parser.add_argument("--" + option, required=True)
    parser.add_argument("--sanitize", default="none")
    parser.add_argument("--cc", nargs="+", required=True)
    options = parser.parse_args()
    need_tool("curl")
    need_tool("pkg-config")
    run(lambda t: main(t, options), timeout=270)
