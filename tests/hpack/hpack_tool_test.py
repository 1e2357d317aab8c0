#!/usr/bin/env python3
"""Drives the h2r-hpack tool for the meson tests of tests/hpack/meson.build.

  folders CORPUS          prints the implementation folders of hpack-test-case
                          (all but raw-data), for meson to make one test each
  check TOOL FOLDER       h2r-hpack check on every story of FOLDER
  roundtrip TOOL RAWDATA  h2r-hpack encode on every raw-data story, then check
  errors TOOL             TAP: the tool's handling of bad stories and bad usage

A missing corpus folder is a skip (exit 77), not a failure: the corpus lives
outside the repository.
"""
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77


def stories(folder):
    if not os.path.isdir(folder):
        print(f"skipped: no corpus folder {folder}")
        sys.exit(SKIP)
    paths = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".json"))
    if not paths:
        print(f"skipped: no *.json story in {folder}")
        sys.exit(SKIP)
    return paths


def folders(corpus):
    if not os.path.isdir(corpus):
        return 0
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        if name != "raw-data" and os.path.isdir(path):
            print(name)
    return 0


def check(tool, folder):
    return subprocess.run([tool, "check", *stories(folder)]).returncode


def roundtrip(tool, raw_data):
    with tempfile.TemporaryDirectory(prefix="h2r-hpack-") as tmp:
        encoded = []
        for path in stories(raw_data):
            run = subprocess.run([tool, "encode", path], stdout=subprocess.PIPE)
            if run.returncode != 0:
                print(f"{path}: h2r-hpack encode exited with {run.returncode}")
                return 1
            encoded.append(os.path.join(tmp, os.path.basename(path)))
            with open(encoded[-1], "wb") as f:
                f.write(run.stdout)
        return subprocess.run([tool, "check", *encoded]).returncode


class Tap:
    def __init__(self):
        self.count = 0
        self.failures = 0

    def check(self, ok, what, run=None):
        self.count += 1
        print(f"{'ok' if ok else 'not ok'} {self.count} - {what}")
        if not ok:
            self.failures += 1
            if run is not None:
                print(f"# exit status {run.returncode}")
                for line in (run.stdout + run.stderr).splitlines():
                    print(f"#   {line}")

    def done(self):
        print(f"1..{self.count}")
        return 1 if self.failures else 0


def errors(tool):
    tap = Tap()
    with tempfile.TemporaryDirectory(prefix="h2r-hpack-") as tmp:

        def story(name, cases, raw=None):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(raw if raw is not None else json.dumps({"cases": cases}))
            return path

        def h2r(*args):
            run = subprocess.run([tool, *args], capture_output=True, text=True, errors="replace")
            # Under ASan/UBSan, a report must fail the check even when the exit status is right.
            if "Sanitizer" in run.stderr or "runtime error:" in run.stderr:
                run.returncode = -1
            return run

        def expect(what, run, status, stdout=(), stderr=()):
            ok = (
                run.returncode == status
                and all(s in run.stdout for s in stdout)
                and all(s in run.stderr for s in stderr)
            )
            tap.check(ok, what, run)

        get = [{":method": "GET"}]
        # RFC 7541 C.2.1 (a literal added to the table), then its index 62.
        custom = "400a637573746f6d2d6b65790d637573746f6d2d686561646572"
        custom_field = [{"custom-key": "custom-header"}]

        path = story("wrong.json", [{"seqno": 5, "wire": "83", "headers": get}])
        expect("a wire that decodes to other fields fails with the field", h2r("check", path), 1,
               stdout=[path, "seqno 5", "headers[0]", '"POST"', '"GET"', "1 failed"])

        path = story("extra.json", [{"wire": "8283", "headers": get}])
        expect("an extra field is reported", h2r("check", path), 1, stdout=["headers[1]: unexpected"])

        path = story("missing.json", [{"wire": "82", "headers": get + [{":path": "/"}]}])
        expect("a missing field is reported", h2r("check", path), 1, stdout=["headers[1]: missing"])

        path = story("index0.json", [{"wire": "80", "headers": get}])
        expect("a decoding error fails with the decoder's message", h2r("check", path), 1,
               stdout=[path, "seqno 0: decoding failed"])

        path = story("odd.json", [{"wire": "828", "headers": get}])
        expect("an odd-length wire fails", h2r("check", path), 1, stdout=["odd number of hex digits"])

        path = story("nothex.json", [{"wire": "8g", "headers": get}])
        expect("a non-hex wire fails", h2r("check", path), 1, stdout=["not hex"])

        path = story("nowire.json", [{"headers": get}])
        expect("a case without wire fails", h2r("check", path), 1, stdout=['no "wire"'])

        path = story("lost.json", [{"wire": "80", "headers": get}, {"wire": "82", "headers": get}])
        expect("a decoding error stops the story", h2r("check", path), 1, stdout=["1 failed, 1 not checked"])

        path = story("mismatch-then-match.json", [
            {"wire": custom, "headers": [{"custom-key": "other"}]},
            {"wire": "be", "headers": custom_field},
        ])
        expect("a mismatch keeps the dynamic table in step", h2r("check", path), 1,
               stdout=["2 cases, 1 failed\n"])

        path = story("size.json", [
            {"wire": custom, "headers": custom_field},
            {"header_table_size": 0, "wire": "2082", "headers": get},
        ])
        expect("header_table_size is applied before its case", h2r("check", path), 0,
               stdout=["2 cases, 0 failed"])
        path = story("size-missing.json", [
            {"wire": custom, "headers": custom_field},
            {"header_table_size": 0, "wire": "82", "headers": get},
        ])
        expect("a lowered header_table_size requires a size update", h2r("check", path), 1,
               stdout=["decoding failed"])
        # Other implementations' stories write null for "not given": the table keeps its size and entries.
        path = story("size-null.json", [
            {"header_table_size": None, "wire": custom, "headers": custom_field},
            {"header_table_size": None, "wire": "be", "headers": custom_field},
        ])
        expect("check: a null header_table_size is not given", h2r("check", path), 0,
               stdout=["2 cases, 0 failed"])
        run = h2r("encode", path)
        try:
            wires = [c.get("wire") for c in json.loads(run.stdout)["cases"]]
        except (ValueError, KeyError, AttributeError):
            wires = None
        # No size update (0x20-0x3f) before the first case; the second is the field now at index 62.
        tap.check(run.returncode == 0 and wires is not None and len(wires) == 2
                  and not wires[0].startswith(("2", "3")) and wires[1] == "be",
                  "encode: a null header_table_size is not given", run)

        for name, cases, raw, why in [
            ("notjson.json", None, '{"cases": [', "notjson.json:1:"),
            ("noobject.json", None, "[1, 2]", "no \"cases\""),
            ("headerstring.json", [{"wire": "82", "headers": ["x"]}], None, "headers[0]"),
            ("headertwo.json", [{"wire": "82", "headers": [{"a": "b", "c": "d"}]}], None, "headers[0]"),
            ("valuenumber.json", [{"wire": "82", "headers": [{"a": 1}]}], None, "headers[0]"),
            ("noheaders.json", [{"wire": "82"}], None, "\"headers\""),
            ("wirenumber.json", [{"wire": 82, "headers": get}], None, "\"wire\""),
            ("badsize.json", [{"header_table_size": -1, "wire": "82", "headers": get}], None,
             "header_table_size"),
            ("badseqno.json", [{"seqno": "0", "wire": "82", "headers": get}], None, "seqno"),
        ]:
            path = story(name, cases, raw)
            expect(f"check: an invalid story ({name}) exits 2", h2r("check", path), 2, stderr=[path, why])
            expect(f"encode: an invalid story ({name}) exits 2", h2r("encode", path), 2, stderr=[path, why])

        good = story("good.json", [{"wire": "82", "headers": get}])
        expect("check: an unreadable file exits 2 and the others are still checked",
               h2r("check", os.path.join(tmp, "absent.json"), good), 2,
               stdout=["1 stories, 1 cases, 0 failed"], stderr=["absent.json"])
        expect("encode: an unreadable file exits 2", h2r("encode", os.path.join(tmp, "absent.json")), 2,
               stderr=["absent.json"])

        for args, why in [
            ((), "no command"),
            (("frobnicate",), "unknown command"),
            (("check",), "check without a file"),
            (("encode",), "encode without a file"),
            (("encode", good, good), "encode with two files"),
            (("check", "--verbose", good), "an unknown option"),
            (("--help", "check"), "--help with an argument"),
        ]:
            run = h2r(*args)
            tap.check(run.returncode == 2 and run.stdout == "" and len(run.stderr.splitlines()) == 1,
                      f"bad usage ({why}) exits 2 with one line", run)

        run = h2r("--help")
        tap.check(run.returncode == 0 and "check STORY.json" in run.stdout and "encode STORY.json" in run.stdout,
                  "--help documents check and encode", run)

        # Encoding: a repeated name, a NUL and a non-ASCII byte, a table size change.
        headers = [{":method": "GET"}, {"x-a": "1"}, {"x-a": "2\u0000\u00e9"}, {"cookie": "a=b"}]
        data = {"context": "request", "cases": [
            {"headers": headers},
            {"header_table_size": 256, "headers": headers},
            {"headers": []},
            {"header_table_size": 0, "headers": headers},
        ]}
        source = story("toencode.json", None, raw=json.dumps(data))
        run = h2r("encode", source)
        try:
            out = json.loads(run.stdout)
        except ValueError:
            out = None
        tap.check(run.returncode == 0 and out is not None, "encode prints a JSON story", run)
        if out is not None:
            cases = out.get("cases", [])
            tap.check("h2ring" in out.get("description", "") and out.get("context") == "request",
                      "encode adds a description naming h2ring and keeps other members")
            tap.check([c.get("seqno") for c in cases] == [0, 1, 2, 3], "encode numbers the cases")
            tap.check(all(c.get("headers") == data["cases"][i]["headers"] for i, c in enumerate(cases)),
                      "encode keeps the headers")
            tap.check(all(isinstance(c.get("wire"), str) and c["wire"] == c["wire"].lower()
                          and len(c["wire"]) % 2 == 0 for c in cases), "encode writes lowercase hex wires")
            encoded = os.path.join(tmp, "encoded.json")
            with open(encoded, "w") as f:
                f.write(run.stdout)
            expect("check decodes what encode wrote", h2r("check", encoded), 0, stdout=["4 cases, 0 failed"])
    return tap.done()


def main(argv):
    commands = {"folders": (folders, 1), "check": (check, 2), "roundtrip": (roundtrip, 2), "errors": (errors, 1)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    args = argv[2:]
    if argv[1] != "folders":
        args[0] = os.path.abspath(args[0])  # the tool, whatever the working directory
    return commands[argv[1]][0](*args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
