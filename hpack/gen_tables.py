#!/usr/bin/env python3
"""Generates hpack/huffman_table.h and hpack/static_table_data.h from RFC 7541.

Usage: gen_tables.py RFC7541.txt OUTDIR

Both headers are checked in, so building needs neither Python nor the RFC;
the test 'hpack-tables-up-to-date' reruns this script and compares.

The parser reads Appendix A (the static table) and Appendix B (the Huffman
code) from the RFC's plain text and checks every property that huffman.c and
static_table.c rely on, so that a bad parse fails here rather than producing
tables that decode wrongly.
"""

import os
import re
import sys

# The decoder looks up this many leading bits at once (see huffman.c: a 16 KiB
# table that stays in L1, and 12 bits often hold two of the common codes).
LOOKUP_BITS = 12

# The static table's name hash has 2^STATIC_HASH_BITS one-byte slots: with 256
# slots for the 52 distinct names a multiplier without collisions is quickly
# found, and the table is only four cache lines.
STATIC_HASH_BITS = 8

EOS = 256


def fail(msg):
    sys.exit("gen_tables.py: " + msg)


def appendix(text, title, next_title):
    start = text.find("\nAppendix " + title)
    end = text.find("\nAppendix " + next_title, start + 1)
    if start < 0 or end < 0:
        fail("cannot find Appendix %s in the RFC text" % title)
    return text[start:end]


def parse_static_table(text):
    """Returns [(name, value)] for indices 1..61, from Appendix A."""
    row = re.compile(r"^\s*\|\s*(\d+)\s*\|\s*(\S+)\s*\|\s*(.*?)\s*\|\s*$")
    entries = []
    for line in appendix(text, "A", "B").splitlines():
        m = row.match(line)
        if not m:
            continue
        index, name, value = int(m.group(1)), m.group(2), m.group(3)
        if index != len(entries) + 1:
            fail("static table: index %d out of order" % index)
        entries.append((name, value))
    if len(entries) != 61:
        fail("static table: %d entries, expected 61" % len(entries))
    seen = set()
    for i, (name, value) in enumerate(entries):
        if name != name.lower() or len(name) > 255 or len(value) > 255:
            fail("static table: odd entry %d" % (i + 1))
        # static_table.c finds a value among the entries sharing a name by
        # walking forward from the first one, so they must be consecutive.
        if name in seen and entries[i - 1][0] != name:
            fail("static table: entries named %s are not consecutive" % name)
        seen.add(name)
    return entries


def parse_huffman_code(text):
    """Returns [(code, length)] for symbols 0..256, from Appendix B."""
    row = re.compile(r"^\s*(?:'.'|EOS)?\s*\(\s*(\d+)\)\s+\|([01|]+)\s+([0-9a-f]+)\s+\[\s*(\d+)\]\s*$")
    code = {}
    for line in appendix(text, "B", "C").splitlines():
        m = row.match(line)
        if not m:
            continue
        sym, bits, hexcode, length = int(m.group(1)), m.group(2).replace("|", ""), m.group(3), int(m.group(4))
        if sym in code:
            fail("huffman: symbol %d appears twice" % sym)
        if len(bits) != length or int(bits, 2) != int(hexcode, 16):
            fail("huffman: symbol %d: bits, hex and length disagree" % sym)
        code[sym] = (int(bits, 2), length)
    if sorted(code) != list(range(EOS + 1)):
        fail("huffman: %d symbols, expected 257 (0..255 and EOS)" % len(code))
    return [code[s] for s in range(EOS + 1)]


def check_huffman_code(code):
    as_bits = sorted(format(c, "0%db" % n) for c, n in code)
    for a, b in zip(as_bits, as_bits[1:]):
        if b.startswith(a):
            fail("huffman: %s is a prefix of %s: not a prefix code" % (a, b))
    # Complete (Kraft sum exactly 1): every bit string starts with a code or
    # with a prefix of one, so every decode table slot is meaningful.
    if sum(1 << (30 - n) for _, n in code) != 1 << 30:
        fail("huffman: the code is not complete")
    # Canonical: sorted by (length, symbol), each code is the previous one
    # plus one, shifted to its length. huffman.c decodes long codes that way.
    prev_code, prev_len = -1, 0
    for sym in sorted(range(EOS + 1), key=lambda s: (code[s][1], s)):
        c, n = code[sym]
        if c != (prev_code + 1) << (n - prev_len):
            fail("huffman: the code is not canonical at symbol %d" % sym)
        prev_code, prev_len = c, n
    lengths = [n for _, n in code]
    # 5 bits is what H2R_HPACK_HUFFMAN_DECODED_MAX assumes; 30 fits the
    # decoder's 32-bit window; EOS all ones is what padding is made of.
    if min(lengths) != 5 or max(lengths) != 30 or code[EOS] != ((1 << 30) - 1, 30):
        fail("huffman: unexpected code lengths or EOS")


def decode_table(code):
    """For each LOOKUP_BITS-bit value: the symbols (at most two) whose codes
    fit in it one after the other, and the bits they take. When even the first
    code is longer than LOOKUP_BITS, no symbol and the shortest length a code
    with this prefix can have, where the long-code search starts."""
    by_bits = {format(c, "0%db" % n): s for s, (c, n) in enumerate(code)}
    table = []
    for prefix in range(1 << LOOKUP_BITS):
        bits = format(prefix, "0%db" % LOOKUP_BITS)
        syms, used = [], 0
        while len(syms) < 2:
            for n in range(5, LOOKUP_BITS - used + 1):
                sym = by_bits.get(bits[used : used + n])
                if sym is not None:
                    break
            else:
                break
            syms.append(sym)
            used += n
        if not syms:
            used = min(n for c, n in code if n > LOOKUP_BITS and c >> (n - LOOKUP_BITS) == prefix)
        table.append((syms, used))
    return table


def long_code_tables(code):
    """Per length L above LOOKUP_BITS: the largest 32-bit string that starts
    with a code of at most L bits (canonical codes of at most L bits, aligned
    left, come before all longer ones), and the value to subtract from a
    code of length L to get its position in the list of long symbols sorted
    canonically (modulo 2^32)."""
    long_syms = sorted((s for s in range(EOS + 1) if code[s][1] > LOOKUP_BITS), key=lambda s: (code[s][1], s))
    last, base = [0] * 31, [0] * 31
    for n in range(LOOKUP_BITS + 1, 31):
        of_len = [s for s in long_syms if code[s][1] == n]
        end = max((c + 1) << (n - m) for c, m in code if m <= n)
        last[n] = (end << (32 - n)) - 1
        if of_len:
            base[n] = (code[of_len[0]][0] - long_syms.index(of_len[0])) & 0xFFFFFFFF
    return long_syms, last, base


def check_long_codes(code, table, long_syms, last, base):
    """Replays the search huffman.c does for every long code, followed by
    zeros and by ones, starting from the length its lookup entry gives."""
    for sym in long_syms:
        c, n = code[sym]
        for tail in (0, (1 << (32 - n)) - 1):
            top = c << (32 - n) | tail
            syms, m = table[top >> (32 - LOOKUP_BITS)]
            while top > last[m]:
                m += 1
            if syms or m != n or long_syms[((top >> (32 - m)) - base[m]) & 0xFFFFFFFF] != sym:
                fail("huffman: the long code tables do not decode symbol %d" % sym)


def static_hash(name, mul):
    """Must match static_hash() in static_table.c."""
    n = len(name)
    key = n | ord(name[0]) << 8 | ord(name[n - 1]) << 16
    return ((key * mul) & 0xFFFFFFFF) >> (32 - STATIC_HASH_BITS)


def static_hash_table(entries):
    """Finds a multiplier for which static_hash() puts each distinct name of
    the static table in a slot of its own. Deterministic, so that the output
    does not change from run to run."""
    first = {}
    for i, (name, _) in enumerate(entries, 1):
        first.setdefault(name, i)
    mul = 0x9E3779B1  # 2^32 / golden ratio, odd: a classic multiplicative hash
    for _ in range(1 << 20):
        slots = [0] * (1 << STATIC_HASH_BITS)
        for name, index in first.items():
            h = static_hash(name, mul)
            if slots[h]:
                break
            slots[h] = index
        else:
            return mul, slots
        mul = (mul + 0x5851F42E) & 0xFFFFFFFF | 1
    fail("static table: no collision-free hash multiplier found")


# clang-format is kept off the generated files: a formatting pass over the
# tree must not make them differ from what this script writes.
HEADER = """\
/*
 * Generated by hpack/gen_tables.py from RFC 7541 {what}. Do not edit:
 * change gen_tables.py and run, from the top of the source tree,
 *     python3 hpack/gen_tables.py ../shared/reference/rfc7541-hpack.txt hpack
 */
/* clang-format off */
"""


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rows(items, per_line, indent="    "):
    out = []
    for i in range(0, len(items), per_line):
        out.append(indent + ", ".join(items[i : i + per_line]) + ",")
    return "\n".join(out)


def write_huffman_table(path, code):
    table = decode_table(code)
    long_syms, last, base = long_code_tables(code)
    check_long_codes(code, table, long_syms, last, base)
    enc = ["{0x%x, %d}" % c for c in code]
    dec = ["{{%d, %d}, %d, %d}" % (*(s + [0] * (2 - len(s))), len(s), used) for s, used in table]
    longs = ["{0x%08x, 0x%08x}" % (last[n], base[n]) for n in range(31)]
    with open(path, "w") as f:
        f.write(HEADER.format(what="Appendix B"))
        f.write(
            """#ifndef H2R_HPACK_HUFFMAN_TABLE_H
#define H2R_HPACK_HUFFMAN_TABLE_H

#include <stdint.h>

#define H2R_HUFF_EOS 256
#define H2R_HUFF_LOOKUP_BITS {lookup_bits}

/* Encoding: each symbol's code, aligned to the least significant bit, and its length in bits. */
struct h2r_huff_code {{
    uint32_t code;
    uint8_t len;
}};

static const struct h2r_huff_code h2r_huff_codes[{nsyms}] = {{
{enc}
}};

/*
 * Decoding, indexed by the next H2R_HUFF_LOOKUP_BITS bits of input: the
 * symbols whose codes come first in those bits (nsym of them, at most two)
 * and the bits they take. nsym is 0 when the first code is longer; bits is
 * then the shortest length a code starting with these bits can have.
 */
struct h2r_huff_entry {{
    uint8_t sym[2];
    uint8_t nsym;
    uint8_t bits;
}};

static const struct h2r_huff_entry h2r_huff_lookup[1 << H2R_HUFF_LOOKUP_BITS] = {{
{dec}
}};

/*
 * Codes longer than H2R_HUFF_LOOKUP_BITS, decoded canonically. For length
 * len: last is the largest 32-bit string that starts with a code of at most
 * len bits; a code of exactly len bits, minus base, is its symbol's position
 * in h2r_huff_long_syms.
 */
struct h2r_huff_long {{
    uint32_t last;
    uint32_t base;
}};

static const struct h2r_huff_long h2r_huff_long_codes[31] = {{
{longs}
}};

static const uint16_t h2r_huff_long_syms[{nlong}] = {{
{long_syms}
}};

/* clang-format on */
#endif
""".format(
                lookup_bits=LOOKUP_BITS,
                nsyms=len(code),
                enc=rows(enc, 6),
                dec=rows(dec, 5),
                longs=rows(longs, 3),
                nlong=len(long_syms),
                long_syms=rows([str(s) for s in long_syms], 16),
            )
        )


def write_static_table(path, entries):
    mul, slots = static_hash_table(entries)
    # For the first entry of each name, how many entries in a row have it.
    count = [0] * (len(entries) + 1)
    first = 0
    for i, (name, _) in enumerate(entries, 1):
        if i == 1 or entries[i - 2][0] != name:
            first = i
        count[first] += 1
    table = ["    {%s, %s, %d, %d}," % (c_string(n), c_string(v), len(n), len(v)) for n, v in entries]
    with open(path, "w") as f:
        f.write(HEADER.format(what="Appendix A"))
        f.write(
            """#ifndef H2R_HPACK_STATIC_TABLE_DATA_H
#define H2R_HPACK_STATIC_TABLE_DATA_H

/* Included by static_table.c only. */

const struct h2r_hpack_static_entry h2r_hpack_static_table[H2R_HPACK_STATIC_COUNT + 1] = {{
    {{"", "", 0, 0}},
{table}
}};

/*
 * A perfect hash of the distinct names: the slot of each holds the index of
 * the first entry with that name, other slots 0. See static_hash().
 */
#define H2R_HPACK_STATIC_NAME_MAX  {name_max}
#define H2R_HPACK_STATIC_HASH_BITS {bits}
#define H2R_HPACK_STATIC_HASH_MUL  0x{mul:08x}u

static const uint8_t h2r_hpack_static_slots[1 << H2R_HPACK_STATIC_HASH_BITS] = {{
{slots}
}};

/* For the first entry of each name, how many consecutive entries have it. */
static const uint8_t h2r_hpack_static_name_count[H2R_HPACK_STATIC_COUNT + 1] = {{
{count}
}};

/* clang-format on */
#endif
""".format(
                table="\n".join(table),
                name_max=max(len(n) for n, _ in entries),
                bits=STATIC_HASH_BITS,
                mul=mul,
                slots=rows([str(s) for s in slots], 16),
                count=rows([str(c) for c in count], 16),
            )
        )


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_tables.py RFC7541.txt OUTDIR")
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    entries = parse_static_table(text)
    code = parse_huffman_code(text)
    check_huffman_code(code)
    os.makedirs(sys.argv[2], exist_ok=True)
    write_huffman_table(os.path.join(sys.argv[2], "huffman_table.h"), code)
    write_static_table(os.path.join(sys.argv[2], "static_table_data.h"), entries)


if __name__ == "__main__":
    main()
