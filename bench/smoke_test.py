#!/usr/bin/env python3
"""The bench suite's test: bench/run --quick against h2serve alone, then checks its
runs.tsv: every workload ran, with no failed, errored or non-2xx request, and every
idle connection stayed open. It asserts nothing about timing.

Usage: smoke_test.py BENCH_RUN H2SERVE
"""
import csv
import subprocess
import sys
import tempfile
from pathlib import Path


def main():
    bench_run, h2serve = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="h2ring-bench-smoke-") as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, bench_run, "--quick", "--servers", "h2serve", "--out", str(out),
               "--h2serve", h2serve, "--no-install"]
        print("$ " + " ".join(cmd), flush=True)
        r = subprocess.run(cmd, timeout=170)
        tsv = out / "runs.tsv"
        if not tsv.exists():
            print(f"FAIL: bench/run wrote no {tsv} (exit {r.returncode})")
            return 1
        with open(tsv, newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        problems = []
        if not rows:
            problems.append("runs.tsv has no rows")
        for row in rows:
            what = f"run {row['run']} ({row['workload']})"
            if row["server"] != "h2serve":
                problems.append(f"{what}: server {row['server']}, expected h2serve only")
            if row["status"] != "ok":
                problems.append(f"{what}: status {row['status']}: {row['note']}")
            for key in ("failed", "errored", "timeout", "non2xx"):
                if row[key] not in ("", "0"):
                    problems.append(f"{what}: {key} = {row[key]}")
            if row["idle_conns"]:
                if row["idle_open"] != row["idle_conns"]:
                    problems.append(f"{what}: {row['idle_open']} of {row['idle_conns']} idle connections open")
            elif not row["succeeded"] or int(row["succeeded"]) <= 0:
                problems.append(f"{what}: no request succeeded")
        if not (out / "summary.txt").exists():
            problems.append("no summary.txt")
        if r.returncode != 0:
            problems.append(f"bench/run exited {r.returncode}")
        for p in problems:
            print("FAIL: " + p)
        print(f"bench smoke: {len(rows)} runs checked, {len(problems)} problems")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
