#!/usr/bin/env python3
"""Writes seeds for fuzz_client_session: 4 config bytes, then server frames after its first SETTINGS.

usage: fuzz_client_session_seeds.py OUT_DIR

Each seed is a small conversation answering the client's GET / (stream 1),
POST /upload (3) and HEAD /h (5): responses with bodies and trailers, 1xx,
pushes, resets, GOAWAY, window and table size changes, CONTINUATION, padding,
ALTSVC and ORIGIN, under a few configs (see the comment at the top of fuzz_client_session.c).
Header blocks use the HPACK static table and literals only.
"""
import struct
import sys

from fuzz_session_seeds import data, frame, headers, literal, rst, settings, window_update, write_seeds

OK, NO_CONTENT = b"\x88", b"\x89"  # :status 200, 204 (static table)


def status(code):
    """:status as a literal without indexing, name from the static table."""
    return b"\x08\x03" + code


def promise(sid, promised, path=b"/pushed"):
    block = b"\x82\x86\x41\x09localhost" + b"\x44" + bytes([len(path)]) + path  # GET, http, authority, path
    return frame(0x5, 0x4, sid, struct.pack(">I", promised) + block)


SEEDS = {
    "responses": frame(0x4, 1, 0) + headers(1, OK, end=False) + data(1, b"hello", end=True)
    + headers(3, OK + literal(b"content-length", b"2"), end=False) + data(3, b"ok", end=True)
    + headers(5, OK + literal(b"content-length", b"100")),
    "informational": headers(1, status(b"103") + literal(b"link", b"</a>"), end=False)
    + headers(1, status(b"100"), end=False) + headers(1, OK, end=False) + data(1, b"x")
    + headers(1, literal(b"x-t", b"1")),
    "push": promise(1, 2) + promise(1, 4, b"/b") + headers(2, OK, end=False) + data(2, b"pushed", end=True)
    + headers(4, NO_CONTENT) + headers(1, OK),
    "goaway": headers(1, OK, end=False) + frame(0x7, 0, 0, struct.pack(">II", 1, 0) + b"bye")
    + data(1, b"rest", end=True),
    "resets": rst(3, 7) + rst(5, 8) + headers(1, OK, end=False) + frame(0x6, 0, 0, b"12345678")
    + window_update(0, 100000) + window_update(3, 1000) + rst(1, 0),
    "windows": settings((4, 0)) + window_update(3, 10) + settings((4, 100000)) + settings((1, 0))
    + headers(1, OK + literal(b"x", b"y"), end=True) + settings((1, 4096), (5, 20000)),
    "continuation": frame(0x1, 0x0, 1, OK) + frame(0x9, 0, 1, literal(b"a", b"b"))
    + frame(0x9, 0x4, 1, literal(b"c", b"d")) + data(1, b"\x03abc\0\0\0", end=True, flags=0x8),
    "altsvc_origin": frame(0xa, 0, 0, b"\x00\x11https://localhost" + b'h2=":8443"')
    + frame(0xa, 0, 1, b'\x00\x00h3=":443"') + frame(0xc, 0, 0, b"\x00\x09https://a\x00\x09https://b")
    + headers(1, OK),
    "ping_ack": frame(0x6, 1, 0, b"pingpon0") + frame(0x6, 1, 0, b"pingpon1") + headers(1, OK),
}

CONFIGS = (b"\x00\x00\x00\x01", b"\x01\x45\x34\x56", b"\x02\x2a\xcd\xef", b"\x00\x14\x31\x08")


def main():
    write_seeds(sys.argv[1], SEEDS, CONFIGS)


if __name__ == "__main__":
    main()
