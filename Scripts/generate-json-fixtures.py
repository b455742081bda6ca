#!/usr/bin/env python3
"""Writes the JSON test fixtures in Tests/LightningCodecsTests/Fixtures with Python's own json module,
so the tests compare our writer with Python's output byte for byte (STATE_FORMAT.md section 7).

Run from the repository root: python3 Scripts/generate-json-fixtures.py
"""
import json
import pathlib

OUT = pathlib.Path("Tests/LightningCodecsTests/Fixtures")

cases = {
    "ints": [0, -1, 1, 2**63 - 1, -2**63, 2**64, -2**63 - 1, 10**100, -(10**40)],
    "bools_and_null": [True, False, None],
    "floats": [0.1, 1.0, -0.0, 0.0, 1e-05, 1e-07, 0.0001, 1e15, 1e16, 1e22, 1e-300,
               1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 0.30000000000000004,
               9007199254740992.0, 9999999999999998.0, 123456789012345678.0, -1.5, 2.5e-10, 1e100],
    "non_finite": [float("nan"), float("inf"), float("-inf")],
    "escapes": ['"', "\\", "/", "\n\r\t\b\f", "\x00\x01\x1f", "\x7f", "\u2028\u2029"],
    "unicode": ["\u00e9", "e\u0301", "\U0001F600", "\uffff", "\ue000", "\u4e2d\u6587", "caf\u00e9 \u2713"],
    "lone_surrogates": ["\ud800", "\udc00", "a\udbffb", "\udc00\ud800"],
    "keys": {"": 1, " ": 2, "a.b": 3, "vars": 4, "\U0001F600": 5, "\uffff": 6, "\u00e9": 7, "e\u0301": 8, "\ue000": 9},
    "coerced_keys": {2: "int", 2.5: "float", None: "none", False: "false", float("inf"): "inf"},
    "empty": [[], {}, [[]], {"a": {}}, [{}, []]],
    "nested": {"a": [1, [2, [3, {"b": [4.0, {"c": None}]}]]]},
}

def write(name, text):
    (OUT / name).write_text(text, encoding="utf-8", errors="surrogatepass")

OUT.mkdir(parents=True, exist_ok=True)
write("python_cases.json", json.dumps(cases))
write("python_cases.pretty.json", json.dumps(cases, indent=2))
# sort_keys cannot compare mixed key types, so the sorted variant reads the file back first.
write("python_cases.sorted.json", json.dumps(json.loads(json.dumps(cases)), sort_keys=True))
# ensure_ascii=False cannot write lone surrogates to a UTF-8 file, so that variant leaves them out.
no_lone = {k: v for k, v in cases.items() if k != "lone_surrogates"}
write("python_cases.utf8.json", json.dumps(no_lone, ensure_ascii=False))
write("python_cases.utf8.pretty.json", json.dumps(no_lone, ensure_ascii=False, indent=2))

# {1: "a", "1": "b"} is written with a duplicate key; json.load keeps the last value.
write("duplicate_keys.json", json.dumps({1: "a", "1": "b", "x": [1]}))
write("duplicate_keys.loaded.json", json.dumps(json.loads(json.dumps({1: "a", "1": "b", "x": [1]}))))

# Real states reach depth 200.
deep = current = {}
for level in range(200):
    current["child"] = {}
    current = current["child"]
write("deep_200.json", json.dumps(deep))
print("wrote", sorted(p.name for p in OUT.iterdir()))
