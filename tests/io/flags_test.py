"""h2serve's command line: --help, and bad flags refused with one line on stderr and status 2."""

import subprocess

from h2serve_fixture import run

BAD = [
    (["--bogus"], "an unknown flag"),
    (["--port", "70000"], "a port above 65535"),
    (["--port", "-1"], "a negative port"),
    (["--port", "80x"], "a port that is not a number"),
    (["--workers", "many"], "a worker count that is not a number"),
    (["--idle-timeout", "soon"], "an idle timeout that is not a number"),
    (["--splice-min", "-5"], "a negative splice threshold"),
    (["--send-zc-min", "big"], "a zero-copy threshold that is not a number"),
    (["--handshake-timeout", "-1"], "a negative handshake timeout"),
    (["--stall-timeout", "later"], "a stall timeout that is not a number"),
    (["--worker-memory", "-1"], "a negative worker memory budget"),
    (["--sni-cert", "name-only"], "an --sni-cert without its files"),
    (["--cert", "/nonexistent/cert.pem"], "--cert without --key"),
    (["--port"], "a flag without its value"),
    (["extra"], "a stray argument"),
    (["--root", "/nonexistent/h2serve-test"], "a missing --root"),
    (["--access-log", "/nonexistent/dir/access.log"], "an access log that cannot be opened"),
]


def h2serve(t, args):
    try:
        return subprocess.run([t.binary] + args, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        # Nothing here may start a server: one that does would listen on 8080 until killed.
        t.fail(f"h2serve {' '.join(args)} returns at once")
        return None


def main(t):
    result = h2serve(t, ["--help"])
    if result:
        out = result.stdout.decode()
        t.eq(result.returncode, 0, "--help exits 0")
        t.ok(out.startswith("usage: h2serve "), "--help prints the usage on stdout", out)
        for flag in ("--host", "--port", "--workers", "--root", "--access-log", "--idle-timeout", "--splice-min",
                     "--send-zc-min", "--cert", "--key", "--sni-cert", "--no-http1", "--handshake-timeout",
                     "--stall-timeout", "--worker-memory", "--help"):
            t.ok(flag in out, f"--help documents {flag}")
        t.eq(result.stderr, b"", "--help writes nothing on stderr")

    for args, what in BAD:
        result = h2serve(t, args)
        if not result:
            continue
        err = result.stderr.decode("utf-8", "replace")
        t.eq(result.returncode, 2, f"{what} ({' '.join(args)}): exit status 2")
        t.ok(err.count("\n") == 1 and err.endswith("\n") and err.startswith("h2serve: "),
             f"{what}: one line on stderr", repr(err))
        t.eq(result.stdout, b"", f"{what}: nothing on stdout")


run(main, timeout=60)
