#!/usr/bin/env python3
"""hpack-tables-up-to-date: the checked-in generated tables are what
hpack/gen_tables.py makes of RFC 7541 now.

Usage: tables_up_to_date.py HPACK_SOURCE_DIR RFC7541.txt

Exits 77 (a skip for meson) when the RFC text is not there, e.g. outside the
shared folder's checkout.
"""

import difflib
import os
import subprocess
import sys
import tempfile

GENERATED = ("huffman_table.h", "static_table_data.h")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tables_up_to_date.py HPACK_SOURCE_DIR RFC7541.txt")
    hpack_dir, rfc = sys.argv[1:]
    if not os.path.isfile(rfc):
        print("skipped: no RFC text at %s" % rfc)
        sys.exit(77)

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(hpack_dir, "gen_tables.py"), rfc, tmp], check=True)
        stale = 0
        for name in GENERATED:
            with open(os.path.join(tmp, name)) as f:
                fresh = f.readlines()
            with open(os.path.join(hpack_dir, name)) as f:
                checked_in = f.readlines()
            if fresh != checked_in:
                stale += 1
                diff = difflib.unified_diff(checked_in, fresh, "hpack/" + name, "regenerated")
                sys.stdout.writelines(list(diff)[:40])
    if stale:
        print("\n%d generated file(s) out of date: run, from the top of the source tree," % stale)
        print("    python3 hpack/gen_tables.py %s hpack" % rfc)
        sys.exit(1)
    print("%s are up to date" % " and ".join(GENERATED))


if __name__ == "__main__":
    main()
