#!/usr/bin/env python3
"""Makes libh2ring's one object: hpack/, core/ and io/ with the static
libraries they link in, partially linked (cc -r) into a single relocatable
object whose only global symbols are the public API.

The public API is every h2r_ function declared in include/h2ring/*.h, plus,
when jemalloc is linked in, jemalloc's API as its header names it (malloc,
free, ..., mallctl, malloc_conf): the library is then the process's
allocator, as jemalloc is h2serve's. Everything else (the layers' internal
h2r_ functions, wolfSSL, liburing, jemalloc's internals) is made local with
objcopy, so that the static archive is as closed as the shared library.

Writes the object, a version script for the shared library's link (the same
names), and a depfile naming the headers read (and their folder, so that a
new header also makes it run again).

lib/meson.build runs it; tests/install/symbols_test.py imports public_functions.
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
PREPROCESSOR = re.compile(r"^\s*#.*?(?<!\\)$", re.M | re.S)
# A declaration's name is followed by its parameter list; a function pointer's, as in
# "typedef void (*h2r_ping_cb)(...)", by a parenthesis that closes first.
DECLARED = re.compile(r"\b(h2r_\w+)\s*\(")
# A static inline function in a header is compiled into its callers: nothing to export.
STATIC = re.compile(r"\bstatic\b[^;{}()]*\b(h2r_\w+)\s*\(")
# jemalloc.h maps each public name to the symbol it is built with: "#  define je_malloc malloc".
JEMALLOC_NAME = re.compile(r"^#\s*define\s+je_\w+\s+(\w+)\s*$", re.M)


def public_headers(include_dir):
    return sorted(glob.glob(os.path.join(include_dir, "*.h")))


def public_functions(include_dir):
    """The h2r_ functions the public headers declare, sorted."""
    names = set()
    for header in public_headers(include_dir):
        with open(header, encoding="utf-8") as f:
            code = PREPROCESSOR.sub("", COMMENT.sub("", f.read()))
        names.update(set(DECLARED.findall(code)) - set(STATIC.findall(code)))
    return sorted(names)


def jemalloc_symbols(header):
    """jemalloc's public symbols (functions and malloc_conf, malloc_message), from its header."""
    with open(header, encoding="utf-8") as f:
        return sorted(set(JEMALLOC_NAME.findall(f.read())))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True, help="the object to write")
    parser.add_argument("--version-script", required=True, help="the shared library's version script to write")
    parser.add_argument("--depfile", required=True)
    parser.add_argument("--include-dir", required=True, help="include/h2ring")
    parser.add_argument("--jemalloc-header", help="jemalloc/jemalloc.h, when jemalloc is linked in")
    parser.add_argument("--objcopy", required=True)
    parser.add_argument("--cc", nargs="+", required=True, help="the C compiler's command")
    parser.add_argument("--whole", nargs="+", required=True, help="archives linked whole: the layers")
    parser.add_argument("--fold", nargs="*", default=[], help="archives whose members the layers need go in too")
    args = parser.parse_args()

    exports = public_functions(args.include_dir)
    if args.jemalloc_header:
        exports += jemalloc_symbols(args.jemalloc_header)

    with tempfile.TemporaryDirectory() as tmp:
        partial = os.path.join(tmp, "partial.o")
        keep = os.path.join(tmp, "exports")
        subprocess.run(args.cc + ["-r", "-nostdlib", "-o", partial, "-Wl,--whole-archive"] + args.whole +
                       ["-Wl,--no-whole-archive"] + args.fold, check=True)
        with open(keep, "w", encoding="utf-8") as f:
            f.write("".join(name + "\n" for name in exports))
        subprocess.run([args.objcopy, "--keep-global-symbols=" + keep, partial, args.output], check=True)

    # The linker's own symbols (_end, __bss_start...) would be exported too without "local: *".
    with open(args.version_script, "w", encoding="utf-8") as f:
        f.write("{\n  global:\n" + "".join(f"    {name};\n" for name in exports) + "  local: *;\n};\n")
    inputs = public_headers(args.include_dir) + [args.include_dir] + \
        ([args.jemalloc_header] if args.jemalloc_header else [])
    with open(args.depfile, "w", encoding="utf-8") as f:
        f.write(args.output + ": " + " ".join(path.replace(" ", "\\ ") for path in inputs) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
