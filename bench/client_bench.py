#!/usr/bin/python3
"""bench/client_bench.py: the clients measured, h2get's load mode beside h2load, against h2serve.

Both clients make the same requests of the same h2serve in the same run,
taking turns (h2load, h2get, h2load, h2get...), pinned as bench/run's pinned
mode pins h2load: h2serve with 1 worker on the first CPU, the client (one
thread) on the second. What each costs is its CPU time, read from /proc as
bench/run reads a server's, over the client's whole life (the connections'
setup included: h2get's load mode has no measured window). The table gives
requests/s and MiB/s, client CPU, requests and MiB per client CPU second,
and h2get's figures as ratios to h2load's. See bench/README.md.
"""

import argparse
import atexit
import csv
import datetime
import importlib.machinery
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def load_bench_run():
    """bench/run as a module: its process bookkeeping, /proc readings, build and document root."""
    path = REPO / "bench" / "run"
    loader = importlib.machinery.SourceFileLoader("bench_run", str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("bench_run", loader))
    loader.exec_module(module)
    return module


run = load_bench_run()

# workload (bench/run's) -> requests per run, default and --quick
REQUESTS = {"13b-c100-m10": (2_000_000, 500_000), "100m-c1": (50, 10)}
CLIENTS = ["h2load", "h2get"]
COLUMNS = ["run", "client", "transport", "workload", "rep", "requests", "succeeded", "failed", "wall_s", "req_per_s",
           "mib_per_s", "client_cpu_s", "client_cpu_pct", "req_per_client_cpu_s", "mib_per_client_cpu_s",
           "server_cpu_pct", "status", "note"]


def client_command(client, exe, workload, transport, requests, url):
    n = ["-n", str(requests), "-c", str(workload.clients), "-m", str(workload.streams)]
    if client == "h2load":
        return ["h2load", "-t", "1", *n, url]
    return [str(exe), *(["--insecure"] if transport == "tls" else []), *n, url]


def exited(pid):
    """Has pid exited? It is left a zombie, not reaped, so that /proc still holds its CPU times."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None


def measure(client_cmd, server, timeout):
    """Runs the client to its end: (its output, exit status, wall s, client CPU µs, server CPU µs)."""
    server_before = run.tree_cpu_us(server.pid)
    started = time.monotonic()
    proc = run.spawn(client_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     text=True, errors="replace")
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    while not exited(proc.pid) and time.monotonic() - started < timeout:
        time.sleep(0.01)
    wall = time.monotonic() - started
    client_cpu = run.tree_cpu_us(proc.pid)
    server_cpu = run.tree_cpu_us(server.pid) - server_before
    code, _, _ = run.stop(proc, timeout=2)
    reader.join(timeout=5)
    return "".join(lines), code, wall, client_cpu, server_cpu


def one_run(args, ctx, exes, client, transport, workload, rep, requests):
    row = {"client": client, "transport": transport, "workload": workload.name, "rep": rep, "requests": requests}
    server_cpu, client_cpu = run.pinned_cpus()
    port = run.free_port()
    cmd = ["taskset", "-c", server_cpu] + run.SERVERS["h2serve"].command(ctx, transport, port, 1, "", workload)
    log = open(ctx.logs / f"{client}-{transport}-{workload.name}-r{rep}.server.log", "wb")
    server = run.spawn(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    problems = []
    try:
        if not run.wait_ready(server, port):
            row.update(status="flagged", note="h2serve did not start")
            return row
        scheme = "https" if transport == "tls" else "http"
        url = f"{scheme}://{run.HOST}:{port}{workload.path}"
        cmd = ["taskset", "-c", client_cpu] + client_command(client, exes["h2get"], workload, transport, requests, url)
        text, code, wall, client_us, server_us = measure(cmd, server, args.timeout)
        (ctx.logs / f"{client}-{transport}-{workload.name}-r{rep}.txt").write_text(" ".join(cmd) + "\n" + text)
        finished, counts = run.H2LOAD_FINISHED.search(text), run.H2LOAD_REQUESTS.search(text)
        if code != 0:
            problems.append(f"{client} exit {run.describe_exit(code)}")
        if not (finished and counts and client_us is not None):
            problems.append(f"no summary from {client}")
        else:
            rps = float(finished.group(1))
            succeeded, failed = int(counts.group(4)), int(counts.group(5)) + int(counts.group(6))
            mib_s = rps * workload.size / (1 << 20)
            cpu_s = client_us / 1e6
            row.update(succeeded=succeeded, failed=failed, wall_s=round(wall, 3), req_per_s=round(rps, 1),
                       mib_per_s=round(mib_s, 2), client_cpu_s=round(cpu_s, 3),
                       client_cpu_pct=round(cpu_s / wall * 100, 1), server_cpu_pct=round(server_us / 1e4 / wall, 1))
            if cpu_s > 0:
                row.update(req_per_client_cpu_s=round(succeeded / cpu_s, 1),
                           mib_per_client_cpu_s=round(succeeded * workload.size / (1 << 20) / cpu_s, 2))
            if failed or succeeded != requests:
                problems.append(f"{succeeded} of {requests} succeeded")
    finally:
        run.stop(server)
        log.close()
    row.update(status="flagged" if problems else "ok", note="; ".join(problems))
    return row


TABLE = [("req/s", "req_per_s"), ("MiB/s", "mib_per_s"), ("client CPU%", "client_cpu_pct"),
         ("req/client CPU s", "req_per_client_cpu_s"), ("MiB/client CPU s", "mib_per_client_cpu_s"),
         ("h2serve CPU%", "server_cpu_pct")]
NO_RATIO = {"client_cpu_pct", "server_cpu_pct"}


def summarize(rows, meta):
    """Medians over the runs without failures; h2get's as ratios to h2load's."""
    out = [f"client bench — {meta['date']}, h2serve and h2get {meta['commit']}, {meta['cpu_model']}",
           f"pinned: h2serve (1 worker) on CPU {meta['server_cpu']}, each client (1 thread) on CPU "
           f"{meta['client_cpu']}; CPU is the client's whole life. (x.xx) = ratio to h2load; higher is better "
           "but for CPU%.", ""]
    headers = ["workload", "transport", "client", "runs"] + [c[0] for c in TABLE] + ["notes"]
    body = []
    for key in dict.fromkeys((r["workload"], r["transport"]) for r in rows):
        by_client = {c: [r for r in rows if (r["workload"], r["transport"]) == key and r["client"] == c]
                     for c in CLIENTS}
        good = {c: [r for r in rs if r["status"] == "ok"] for c, rs in by_client.items()}
        for i, client in enumerate(CLIENTS):
            cells = [key[0] if i == 0 else "", key[1] if i == 0 else "", client,
                     f"{len(good[client])}/{len(by_client[client])}"]
            for _, col in TABLE:
                v = run.median_of(good[client], col)
                ref = run.median_of(good["h2load"], col)
                text = run.fmt_value(v, "num")
                if client != "h2load" and col not in NO_RATIO and v is not None and ref:
                    text += f" ({v / ref:.2f})"
                cells.append(text)
            cells.append("; ".join(f"FLAGGED rep {r['rep']}: {r['note']}" for r in by_client[client]
                                   if r["status"] != "ok"))
            body.append(cells)
    return "\n".join(out + run.render_table(headers, body)) + "\n"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/client_bench.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="fewer requests (" + ", ".join(f"{w}: {q:,}" for w, (_, q) in REQUESTS.items())
                        + "), 1 repetition: a few seconds a row")
    p.add_argument("--workloads", default=",".join(REQUESTS), help=f"comma list of {', '.join(REQUESTS)}")
    p.add_argument("--transports", default="h2c", help="h2c, tls, or both (h2c,tls)")
    p.add_argument("--repeat", type=int, help="runs of each client per workload (default 3; --quick 1)")
    p.add_argument("--requests", type=int, metavar="N", help="requests per run, for every workload")
    p.add_argument("--timeout", type=float, default=300, help="the longest a client may run, s (default 300)")
    p.add_argument("--out", type=Path, metavar="DIR", help="default bench/results/DATE-TIME-clients")
    p.add_argument("--h2serve", type=Path, metavar="PATH", help="with --h2get: binaries instead of build-bench's")
    p.add_argument("--h2get", type=Path, metavar="PATH")
    args = p.parse_args(argv)
    args.workloads = run.parse_list(args.workloads, list(REQUESTS), "workload")
    args.transports = run.parse_list(args.transports, run.TRANSPORTS, "transport")
    args.repeat = args.repeat or (1 if args.quick else 3)
    if bool(args.h2serve) != bool(args.h2get):
        p.error("--h2serve and --h2get go together")
    return args


def main(argv):
    args = parse_args(argv)
    # As bench/run: Ctrl-C and the like unwind through the finally blocks, which stop what was started here.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, run._on_signal)
    atexit.register(run.stop_all)
    run.raise_fd_limit()
    missing = run.ensure_packages({"nghttp2-client": lambda: bool(shutil.which("h2load")),
                                   "util-linux": lambda: bool(shutil.which("taskset")),
                                   "openssl": lambda: "tls" not in args.transports or bool(shutil.which("openssl"))},
                                  True)
    if missing:
        raise SystemExit(f"client_bench: missing: {' '.join(missing)}")
    if args.h2serve:
        run.H2serve.exe, h2get = args.h2serve.resolve(), args.h2get.resolve()
    else:
        run.H2serve.exe = run.build_h2serve()
        h2get = run.H2serve.exe.parent / "h2get"
    out = (args.out or REPO / "bench" / "results" /
           (datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + "-clients")).resolve()
    ctx = run.Context(out, keep_logs=False)
    server_cpu, client_cpu = run.pinned_cpus()
    meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "commit": run.git_describe(),
            "cpu_model": run.cpu_model(), "server_cpu": server_cpu, "client_cpu": client_cpu,
            "h2load": run.first_line(["h2load", "--version"]), "command": " ".join([sys.argv[0]] + argv)}
    try:
        ctx.prepare_docroot()
        if "tls" in args.transports:
            ctx.make_cert()
        rows = []
        with open(out / "runs.tsv", "w", newline="") as f:
            writer = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            for transport in args.transports:
                for name in args.workloads:
                    workload = run.WORKLOADS[name]
                    requests = args.requests or REQUESTS[name][1 if args.quick else 0]
                    for rep in range(1, args.repeat + 1):
                        for client in CLIENTS:  # in turns, so that the machine's drift hits both
                            run.say(f"client_bench: {transport} {name} rep {rep}/{args.repeat} {client:<6}", end=" ")
                            row = one_run(args, ctx, {"h2get": h2get}, client, transport, workload, rep, requests)
                            row["run"] = len(rows) + 1
                            rows.append(row)
                            writer.writerow(row)
                            f.flush()
                            run.say(f"{row.get('req_per_s', 0):>12,.0f} req/s {row.get('mib_per_s', 0):>8.1f} MiB/s "
                                    f"client CPU {row.get('client_cpu_pct', 0):.0f}%"
                                    + (f"  FLAGGED: {row['note']}" if row["status"] != "ok" else ""))
        (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        text = summarize(rows, meta)
        (out / "summary.txt").write_text(text)
        run.say("")
        run.say(text)
        run.say(f"client_bench: {out / 'runs.tsv'}, {out / 'summary.txt'}")
        return 1 if any(r["status"] != "ok" for r in rows) else 0
    finally:
        run.stop_all()
        ctx.cleanup()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        run.stop_all()
        sys.exit(130)
