#!/usr/bin/env python3
"""Runs one libFuzzer target for a while, from seeds made of hpack-test-case stories.

usage: run_fuzzer.py FUZZER wire|fields|session|client_session|http1|http1_session|none STORIES_DIR BUILD_DIR [libFuzzer options...]

The seeds are written in the input format of the target (see the comment at the
top of each fuzz_hpack_*.c):
  wire    one decoder config byte, then each case's wire as a length-prefixed
          block (with its header_table_size change), for fuzz_hpack_decode
  fields  two config bytes, then each case's header fields and an end-of-block
          op, for fuzz_hpack_roundtrip
  session client conversations written by fuzz_session_seeds.py, for
          fuzz_session (STORIES_DIR is not read)
  client_session  server conversations written by
          fuzz_client_session_seeds.py, for fuzz_client_session (STORIES_DIR
          is not read)
  http1   a few HTTP/1.1 connections (pipelined requests, chunked bodies with
          trailers) and chunked bodies alone, for fuzz_http1 (STORIES_DIR is
          not read)
  http1_session  the same connections under a few configs, for
          fuzz_http1_session (STORIES_DIR is not read)
  none    no seeds (STORIES_DIR is not read)
Runs for $H2R_FUZZ_SECONDS seconds (default 60). New corpus entries are kept in
BUILD_DIR/corpus/NAME across runs, findings go to BUILD_DIR/artifacts/. Exits
non-zero if libFuzzer found anything.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

MAX_LEN = 4096


def stories(stories_dir, subdirs):
    for sub in subdirs:
        for path in sorted(glob.glob(os.path.join(stories_dir, sub, "*.json"))):
            with open(path) as f:
                yield json.load(f)["cases"]


def wire_seed(cases):
    """Decoder config 0 (table 4096, no list limit), then as many cases as fit."""
    seed = bytearray([0])
    for case in cases:
        wire = bytes.fromhex(case["wire"])
        size = case.get("header_table_size")
        record = bytearray()
        if size is not None:
            record += (0x8000 | len(wire)).to_bytes(2, "big") + min(size, 0xFFFF).to_bytes(2, "big")
        else:
            record += len(wire).to_bytes(2, "big")
        record += wire
        if len(wire) > 0x7FFF or len(seed) + len(record) > MAX_LEN:
            break
        seed += record
    return [bytes(seed)]


def field_seeds(cases, config):
    """Encoder config, then fields and end-of-block ops, cut into seeds of at most MAX_LEN."""
    seeds, seed = [], bytearray(config)
    for case in cases:
        block = bytearray()
        size = case.get("header_table_size")
        if size is not None:
            block += bytes([0xC0]) + min(size, 0xFFFF).to_bytes(2, "big")
        for header in case["headers"]:
            for name, value in header.items():
                name, value = name.encode()[:255], value.encode()[:255]
                block += bytes([0x00, len(name)]) + name + bytes([len(value)]) + value
        block += bytes([0x80])
        if len(seed) + len(block) > MAX_LEN and len(seed) > len(config):
            seeds.append(bytes(seed))
            seed = bytearray(config)
        seed += block
    seeds.append(bytes(seed[:MAX_LEN]))
    return seeds


def write_seeds(kind, stories_dir, seed_dir):
    count = 0
    if kind == "wire":
        gen = (wire_seed(c) for c in stories(stories_dir, ["nghttp2", "nghttp2-change-table-size"]))
    else:
        # Vary the encoder's cap, Huffman and the buffer check from story to story.
        gen = (field_seeds(c, bytes([i % 32, 0])) for i, c in enumerate(stories(stories_dir, ["nghttp2"])))
    for seeds in gen:
        for seed in seeds:
            with open(os.path.join(seed_dir, f"seed-{count:04d}"), "wb") as f:
                f.write(seed)
            count += 1
    return count


# fuzz_http1's config byte 0: bit 0 a chunked body alone, bits 1-2 the limits, bits 3-7 the field capacity.
HTTP1_CONNECTIONS = [
    b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: seed\r\nAccept: */*\r\n\r\n",
    b"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"
    b"GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"PUT /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 42\r\n\r\n"
    b"\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"
    b"GET http://a/x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
]
HTTP1_BODIES = [
    b"5\r\nhello\r\n0\r\n\r\n",
    b"1a;name=\"v\"\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nA: 1\r\nB: 2\r\n\r\n",
]


def http1_session_seeds(seed_dir):
    """Each connection under four seeds for fuzz_http1_session's choices, the options in byte 0's low bits."""
    seeds = [bytes([config, 0x5A, 0xC3, i]) + c
             for i, c in enumerate(HTTP1_CONNECTIONS[:-1]) for config in (0x00, 0x03, 0x0C, 0xF5)]
    for i, seed in enumerate(seeds):
        with open(os.path.join(seed_dir, f"seed-{i:04d}"), "wb") as f:
            f.write(seed)
    return len(seeds)


def http1_seeds(seed_dir):
    """Each connection and body under a few configs: default and small limits, 16 and 4 fields."""
    seeds = [bytes([(16 << 3) | (limits << 1), 128]) + c for c in HTTP1_CONNECTIONS for limits in (0, 1)]
    seeds += [bytes([(4 << 3) | (limits << 1) | 1, 77]) + b for b in HTTP1_BODIES for limits in (0, 1)]
    for i, seed in enumerate(seeds):
        with open(os.path.join(seed_dir, f"seed-{i:04d}"), "wb") as f:
            f.write(seed)
    return len(seeds)


def main():
    fuzzer, kind, stories_dir, build_dir = sys.argv[1:5]
    extra = sys.argv[5:]
    name = os.path.basename(fuzzer)
    seconds = int(os.environ.get("H2R_FUZZ_SECONDS", "60"))
    corpus = os.path.join(build_dir, "corpus", name)
    artifacts = os.path.join(build_dir, "artifacts")
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(artifacts, exist_ok=True)
    before = set(os.listdir(artifacts))

    with tempfile.TemporaryDirectory(prefix=name + "-seeds-") as seed_dir:
        if kind == "none":
            pass
        elif kind in ("session", "client_session"):
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"fuzz_{kind}_seeds.py")
            subprocess.run([sys.executable, script, seed_dir], check=True)
        elif kind == "http1":
            print(f"{http1_seeds(seed_dir)} seeds", flush=True)
        elif kind == "http1_session":
            print(f"{http1_session_seeds(seed_dir)} seeds", flush=True)
        elif os.path.isdir(stories_dir):
            print(f"{write_seeds(kind, stories_dir, seed_dir)} seeds from {stories_dir}", flush=True)
        else:
            print(f"warning: no {stories_dir}: fuzzing without seeds", flush=True)
        cmd = [fuzzer, f"-max_total_time={seconds}", f"-max_len={MAX_LEN}", "-timeout=10",
               f"-artifact_prefix={artifacts}/{name}-", "-print_final_stats=1", *extra, corpus, seed_dir]
        print(" ".join(cmd), flush=True)
        try:
            rc = subprocess.run(cmd, timeout=seconds + 300).returncode
        except subprocess.TimeoutExpired:
            print(f"{name}: still running {seconds + 300} s after it should have stopped")
            return 1

    found = sorted(set(os.listdir(artifacts)) - before)
    for artifact in found:
        print(f"finding: {artifacts}/{artifact}  (reproduce: {fuzzer} {artifacts}/{artifact})")
    if rc != 0 or found:
        print(f"{name}: libFuzzer exited with {rc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
