#!/usr/bin/env python3
"""Writes seeds for fuzz_session: 4 config bytes, then client frames after the preface.

usage: fuzz_session_seeds.py OUT_DIR

Each seed is a small conversation (GETs, a POST with a body and trailers, window
changes, table size changes, resets, CONTINUATION, padding, priorities, GOAWAY,
PRIORITY_UPDATE, ...) under a few configs (see the comment at the top of
fuzz_session.c for what the config bytes choose). Header blocks use the HPACK
static table and literals only, so every seed decodes on its own.
"""
import os
import struct
import sys


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def settings(*pairs):
    return frame(0x4, 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in pairs))


def literal(name, value):
    """Literal without indexing, new name (RFC 7541 §6.2.2)."""
    return bytes([0, len(name)]) + name + bytes([len(value)]) + value


def request(method=b"GET", path=b"/", extra=b""):
    m = {b"GET": b"\x82", b"POST": b"\x83"}.get(method, b"\x42" + bytes([len(method)]) + method)
    p = b"\x84" if path == b"/" else b"\x44" + bytes([len(path)]) + path
    return m + b"\x87" + b"\x41\x09localhost" + p + extra


def headers(sid, block, end=True, flags=0):
    return frame(0x1, 0x4 | (0x1 if end else 0) | flags, sid, block)


def data(sid, payload, end=False, flags=0):
    return frame(0x0, (0x1 if end else 0) | flags, sid, payload)


def window_update(sid, increment):
    return frame(0x8, 0, sid, struct.pack(">I", increment))


def rst(sid, code):
    return frame(0x3, 0, sid, struct.pack(">I", code))


SEEDS = {
    "gets": headers(1, request()) + headers(3, request(path=b"/a")) + headers(5, request(path=b"/b")),
    "post": headers(1, request(b"POST"), end=False) + data(1, b"hello") + data(1, b" world")
    + headers(1, literal(b"x-t", b"1")),
    "zero_window": settings((4, 0)) + headers(1, request()) + headers(3, request()) + window_update(1, 100)
    + window_update(0, 1000) + window_update(3, 70000),
    "table_size": settings((1, 0)) + headers(1, request()) + headers(3, request()) + settings((1, 100))
    + headers(5, request()) + settings((1, 4096), (1, 0), (1, 300)) + headers(7, request()),
    "rst": headers(1, request()) + rst(1, 8) + headers(3, request()) + frame(0x6, 0, 0, b"12345678") + rst(3, 0),
    "ping_ack": headers(1, request()) + frame(0x6, 1, 0, b"pingpon0") + frame(0x6, 1, 0, b"pingpon1"),
    "continuation": frame(0x1, 0x1, 1, request()[:5]) + frame(0x9, 0, 1, request()[5:9])
    + frame(0x9, 0x4, 1, request()[9:]) + headers(3, request()),
    "padded": frame(0x1, 0x4 | 0x1 | 0x8, 1, b"\x05" + request() + b"\0" * 5)
    + headers(3, request(b"POST"), end=False) + data(3, b"\x10abc" + b"\0" * 16, end=True, flags=0x8),
    "priority": headers(1, request()) + headers(3, request()) + frame(0x2, 0, 1, struct.pack(">IB", 3, 200))
    + frame(0x1, 0x4 | 0x1 | 0x20, 5, struct.pack(">IB", 0x80000001, 10) + request())
    + frame(0x2, 0, 9, struct.pack(">IB", 5, 1)),
    "goaway": headers(1, request()) + headers(3, request()) + frame(0x7, 0, 0, struct.pack(">II", 0, 0) + b"bye")
    + headers(5, request()),
    "big_frames": settings((5, 100000), (2, 0), (4, 1000000)) + window_update(0, 5000000)
    + b"".join(headers(i, request()) for i in range(1, 12, 2)),
    "head": headers(1, request(b"HEAD")) + headers(3, request(b"HEAD", b"/x")),
    "priority_update": settings((9, 1)) + headers(1, request(extra=literal(b"priority", b"u=1, i")))
    + headers(3, request()) + frame(0x10, 0, 0, struct.pack(">I", 3) + b"u=0"),
    "many_streams": settings((3, 2)) + b"".join(headers(i, request()) for i in range(1, 40, 2)),
    "big_windows": settings((4, 2**31 - 1)) + window_update(0, 2**31 - 1 - 65535) + headers(1, request())
    + window_update(1, 1) + headers(3, request()),
    "acks": frame(0x4, 1, 0) + headers(1, request()) + frame(0x4, 1, 0) + headers(3, request(b"POST"), end=False)
    + data(3, b"x" * 1000, end=True),
    "push_and_rst": headers(1, request()) + rst(2, 8) + headers(3, request()) + rst(4, 8)
    + frame(0x7, 0, 0, struct.pack(">II", 2, 0)),
    "content_length": headers(1, request(b"POST", extra=literal(b"content-length", b"5")), end=False)
    + data(1, b"hel") + data(1, b"lo", end=True),
}

CONFIGS = (b"\x00\x00\x00\x01", b"\x01\x12\x34\x56", b"\x02\xab\xcd\xef", b"\x00\x77\x31\x08")


def write_seeds(out, seeds, configs):
    """Each seed under each config, in out."""
    os.makedirs(out, exist_ok=True)
    count = 0
    for name, wire in seeds.items():
        for config in configs:
            with open(os.path.join(out, f"{name}-{config.hex()}"), "wb") as f:
                f.write(config + wire)
            count += 1
    print(f"{count} seeds in {out}")


def main():
    write_seeds(sys.argv[1], SEEDS, CONFIGS)


if __name__ == "__main__":
    main()
