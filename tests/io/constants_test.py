"""include/h2ring/constants.h against Node's own http2.constants: every header name, method and status code
Node has (HTTP2_HEADER_*, HTTP2_METHOD_*, HTTP_STATUS_*) is there under the H2R_ name with Node's value, and the
setting identifiers, error codes (engine.h) and frame types agree with Node's NGHTTP2_SETTINGS_*, NGHTTP2_*
codes and RFC 9113's.

Usage: constants_test.py PATH/TO/include/h2ring/constants.h PATH/TO/include/h2ring/engine.h
"""

import json
import re
import sys

from h2serve_fixture import need_tool, run

DEFINE = re.compile(r"^#define\s+(H2R_\w+)\s+(\"[^\"]*\"|\d+)\s*$", re.M)
ENUMERATOR = re.compile(r"^\s+(H2R_\w+)\s*=\s*(0x[0-9a-f]+|\d+),", re.M)
# Node's prefix -> ours
PREFIXES = {"HTTP2_HEADER_": "H2R_HEADER_", "HTTP2_METHOD_": "H2R_METHOD_", "HTTP_STATUS_": "H2R_STATUS_",
            "NGHTTP2_SETTINGS_": "H2R_SETTINGS_"}
# RFC 9113 §6 (and RFC 7838, 8336, 9218) frame types
FRAME_TYPES = {"DATA": 0, "HEADERS": 1, "PRIORITY": 2, "RST_STREAM": 3, "SETTINGS": 4, "PUSH_PROMISE": 5,
               "PING": 6, "GOAWAY": 7, "WINDOW_UPDATE": 8, "CONTINUATION": 9, "ALTSVC": 10, "ORIGIN": 12,
               "PRIORITY_UPDATE": 16}


# RFC 9113 §7 error codes, by Node's names without NGHTTP2_ (ours: H2R_ and the same)
ERROR_CODES = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
               "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR",
               "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]


def ours(paths):
    text = ""
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text += f.read()
    found = {name: json.loads(value) for name, value in DEFINE.findall(text)}
    found.update({name: int(value, 0) for name, value in ENUMERATOR.findall(text)})
    return found


def main(t, node):
    have = ours(sys.argv[1:3])
    result = t.client([node, "-e", "process.stdout.write(JSON.stringify(require('http2').constants))"], timeout=30)
    t.require(result.returncode == 0, "node prints http2.constants", result.stderr.decode("utf-8", "replace"))
    node_constants = json.loads(result.stdout)
    for node_prefix, prefix in PREFIXES.items():
        want = {prefix + name[len(node_prefix):]: value for name, value in node_constants.items()
                if name.startswith(node_prefix) and not name.startswith("NGHTTP2_SETTINGS_TIMEOUT")}
        t.ok(len(want) > 0, f"Node has {node_prefix}* constants ({len(want)})")
        missing = sorted(name for name in want if name not in have)
        t.eq(missing, [], f"every {node_prefix}* of Node's is in constants.h as {prefix}*")
        wrong = sorted(name for name, value in want.items() if name in have and have[name] != value)
        t.eq(wrong, [], f"{prefix}* have Node's values")
    t.eq({name: have.get("H2R_" + name) for name in ERROR_CODES},
         {name: node_constants.get("NGHTTP2_" + name) for name in ERROR_CODES}, "H2R_* error codes are Node's")
    t.eq({name: have.get("H2R_FRAME_" + name) for name in FRAME_TYPES}, FRAME_TYPES,
         "H2R_FRAME_* are RFC 9113's frame types")


if __name__ == "__main__":
    NODE = need_tool("node")
    run(lambda t: main(t, NODE), timeout=60)
