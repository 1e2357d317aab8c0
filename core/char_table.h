/*
 * Character classes as 256-entry tables, so that a scan costs one load per
 * byte, made at compile time from a predicate: ISO C has no ranges in
 * designators (['a' ... 'z'] is a GNU extension). H2R_CHAR_TABLE(P) is the
 * initializer list P(0), P(1) ... P(255), P being a macro that makes a
 * constant expression of a byte. The classes below are those more than one
 * table of core/ is made of.
 */
#ifndef H2R_CORE_CHAR_TABLE_H
#define H2R_CORE_CHAR_TABLE_H

#define H2R_CHAR_IN(c, lo, hi) ((c) >= (lo) && (c) <= (hi))
#define H2R_CHAR_ALNUM(c)      (H2R_CHAR_IN(c, '0', '9') || H2R_CHAR_IN(c, 'A', 'Z') || H2R_CHAR_IN(c, 'a', 'z'))

/* RFC 9110 §5.6.2 tchar, the characters of a token, less the letters: !#$%&'*+-.^_`|~ and digits. */
#define H2R_CHAR_TCHAR_NOT_ALPHA(c)                                                                          \
    ((c) == '!' || H2R_CHAR_IN(c, '#', '\'') || H2R_CHAR_IN(c, '*', '+') || H2R_CHAR_IN(c, '-', '.') ||      \
     H2R_CHAR_IN(c, '0', '9') || H2R_CHAR_IN(c, '^', '`') || (c) == '|' || (c) == '~')
#define H2R_CHAR_TCHAR(c)                                                                                    \
    (H2R_CHAR_TCHAR_NOT_ALPHA(c) || H2R_CHAR_IN(c, 'A', 'Z') || H2R_CHAR_IN(c, 'a', 'z'))

/* RFC 3986 §3.1 scheme, after its first letter: ALPHA / DIGIT / "+" / "-" / ".". */
#define H2R_CHAR_SCHEME(c) (H2R_CHAR_ALNUM(c) || (c) == '+' || (c) == '-' || (c) == '.')

/*
 * RFC 3986 §3.2 host and port: unreserved, pct-encoded, sub-delims, ':' and
 * the brackets of an IP literal; no '@', since userinfo is no part of what
 * a server answers for.
 */
#define H2R_CHAR_AUTHORITY(c)                                                                                \
    (H2R_CHAR_ALNUM(c) || (c) == '!' || H2R_CHAR_IN(c, '$', '.') || (c) == ':' || (c) == ';' ||              \
     (c) == '=' || (c) == '[' || (c) == ']' || (c) == '_' || (c) == '~')

/* Visible ASCII and obs-text: no control character, space or DEL (a request-target, a :path). */
#define H2R_CHAR_VISIBLE(c) (H2R_CHAR_IN(c, 0x21, 0x7e) || H2R_CHAR_IN(c, 0x80, 0xff))

#define H2R_CHAR_ROW(P, r)                                                                                   \
    P(r + 0), P(r + 1), P(r + 2), P(r + 3), P(r + 4), P(r + 5), P(r + 6), P(r + 7), P(r + 8), P(r + 9),      \
        P(r + 10), P(r + 11), P(r + 12), P(r + 13), P(r + 14), P(r + 15)
#define H2R_CHAR_TABLE(P)                                                                                    \
    H2R_CHAR_ROW(P, 0x00), H2R_CHAR_ROW(P, 0x10), H2R_CHAR_ROW(P, 0x20), H2R_CHAR_ROW(P, 0x30),              \
        H2R_CHAR_ROW(P, 0x40), H2R_CHAR_ROW(P, 0x50), H2R_CHAR_ROW(P, 0x60), H2R_CHAR_ROW(P, 0x70),          \
        H2R_CHAR_ROW(P, 0x80), H2R_CHAR_ROW(P, 0x90), H2R_CHAR_ROW(P, 0xa0), H2R_CHAR_ROW(P, 0xb0),          \
        H2R_CHAR_ROW(P, 0xc0), H2R_CHAR_ROW(P, 0xd0), H2R_CHAR_ROW(P, 0xe0), H2R_CHAR_ROW(P, 0xf0)

#endif
