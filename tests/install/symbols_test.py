"""What libh2ring exports, in its shared and its static form.

Only the public API: every h2r_ function the public headers declare, and no
other h2r_ function (the layers' internals are local). The one exception is
jemalloc, linked in when the build has no sanitizers: its API (malloc, free,
..., mallctl, malloc_conf, as jemalloc/jemalloc.h names it) is exported on
purpose, so that it replaces libc's allocator in the whole process, as it
does in h2serve. Memory then crosses between the application and the library
under one allocator, and an application's own malloc_conf still wins over
the runtime's. No _init, _fini, _edata or __bss_start: the version script's
"local: *" keeps the linker's own symbols local.

wolfSSL, liburing and jemalloc, when linked in, leave no dependency on their
shared libraries (nor on libstdc++, which Debian's libjemalloc.so brings).

Usage: symbols_test.py LIBH2RING.so LIBH2RING.a INCLUDE_DIR [--jemalloc-header H] [--wolfssl-local]
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "io"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from h2serve_fixture import need_tool, run  # noqa: E402
from prelink import jemalloc_symbols, public_functions  # noqa: E402

# What must replace libc's allocator: every allocation function libc defines, and the runtime's options.
ALLOCATOR = {"malloc", "calloc", "realloc", "free", "aligned_alloc", "posix_memalign", "memalign", "valloc",
             "malloc_usable_size", "malloc_conf"}


def defined_globals(t, args):
    """The global symbols an nm command lists as defined, without their versions."""
    result = t.client([need_tool("nm")] + args, timeout=60)
    t.require(result.returncode == 0, f"nm {' '.join(args[:-1])} reads {os.path.basename(args[-1])}",
              result.stderr.decode("latin-1"))
    return {line.split()[-1].split("@")[0] for line in result.stdout.decode().splitlines()
            if len(line.split()) == 3}


def check_exports(t, label, exported, public, jemalloc):
    strays = sorted(name for name in exported if not name.startswith("h2r_") and name not in jemalloc)
    t.eq(strays, [], f"{label}: no symbol but h2r_ and jemalloc's API")
    h2r = {name for name in exported if name.startswith("h2r_")}
    t.eq(sorted(set(public) - h2r), [], f"{label}: every function of the public headers ({len(public)})")
    t.eq(sorted(h2r - set(public)), [], f"{label}: no h2r_ function the public headers do not declare")
    if jemalloc:
        t.eq(sorted(ALLOCATOR - exported), [], f"{label}: jemalloc's malloc, free... replace libc's")
    else:
        t.eq(sorted(exported & ALLOCATOR), [], f"{label}: no allocator (jemalloc is not linked in)")


def main(t, args):
    public = public_functions(args.include_dir)
    jemalloc = set(jemalloc_symbols(args.jemalloc_header)) if args.jemalloc_header else set()
    t.ok(len(public) > 100, f"the public headers declare the API ({len(public)} functions)")

    check_exports(t, "libh2ring.so", defined_globals(t, ["-D", "--defined-only", args.shared]), public, jemalloc)
    # nm -g lists hidden symbols too (jemalloc's malloc_conf_2_conf_harder): visible to a static link.
    check_exports(t, "libh2ring.a", defined_globals(t, ["-g", "--defined-only", args.static]), public, jemalloc)

    result = t.client([need_tool("readelf"), "-d", args.shared], timeout=60)
    dynamic = result.stdout.decode()
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", dynamic)
    t.ok(re.search(r"\(SONAME\)\s+Library soname: \[libh2ring\.so\.\d+\]", dynamic),
         "libh2ring.so has a soname libh2ring.so.N", dynamic)
    private = ["libstdc++"] + (["libwolfssl"] if args.wolfssl_local else []) + \
        (["libjemalloc", "liburing"] if args.jemalloc_header else [])
    for name in private:
        t.ok(not any(lib.startswith(name + ".") for lib in needed), f"libh2ring.so needs no {name}",
             f"NEEDED: {needed}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("shared")
    parser.add_argument("static")
    parser.add_argument("include_dir")
    parser.add_argument("--jemalloc-header")
    parser.add_argument("--wolfssl-local", action="store_true")
    options = parser.parse_args()
    run(lambda t: main(t, options), timeout=60)
