#!/usr/bin/env python3
"""Writes snapshots at the edges docs/FORMAT.md draws, each just inside or just outside them.

`Scripts/format-check.sh` runs it: every file it marks `accept` must restore the same state in the
engine and in `Scripts/lsnap-reader.py`, and every file it marks `refuse` must be refused by both.
The files are built here byte by byte from the document (stored blocks but one zlib block, literal
strings), so that neither reader's own writer decides what is at the edge.

    Scripts/lsnap-edges.py FOLDER      # writes the files, prints "accept PATH" / "refuse PATH"
"""
import os
import shutil
import struct
import sys
import zlib

MAGIC = b"\x89LCK\r\n\x1a\n"


def varint(n):
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append(n & 0x7F | 0x80)
        n >>= 7


def text(s):
    raw = s.encode()
    return varint(len(raw) << 1 | 1) + raw


def nested(levels):
    """An array value nesting exactly `levels` levels: [[...[]...]]."""
    return b"\x07\x01" * (levels - 1) + b"\x07\x00"


def planes(values):
    bits = [struct.unpack("<Q", struct.pack("<d", v))[0] for v in values]
    return bytes((b >> (8 * p)) & 0xFF for p in range(8) for b in bits)


def snapshot(tree, floats=b"", kind=0, sequence=0, parent=0, extra_blocks=(), version=2):
    """A file holding the streams as stored blocks, with any extra (stream, size) entries after them."""
    blocks = [(i, data) for i, data in enumerate((tree, floats)) if data]
    entries = [(stream, len(data)) for stream, data in blocks] + list(extra_blocks)
    header = MAGIC + struct.pack("<HHB3xQQQQIIQ", version, 0, kind, sequence, parent, len(tree), len(floats), len(entries), 1 << 20, 0)
    table = b"".join(struct.pack("<BBHII", stream, 0, 0, size, size) for stream, size in entries)
    body = header + table + b"".join(data for _, data in blocks)
    return body + struct.pack("<I", zlib.crc32(body)) + b"LCKE"


def deflated(tree, damaged=False):
    """A file holding the tree stream as one zlib block; `damaged` breaks the block's own Adler-32
    while the file's CRC still holds, so only inflating finds it."""
    data = bytearray(zlib.compress(tree, 1))
    if damaged:
        data[-1] ^= 0xFF
    header = MAGIC + struct.pack("<HHB3xQQQQIIQ", 2, 0, 0, 0, 0, len(tree), 0, 1, 1 << 20, 0)
    body = header + struct.pack("<BBHII", 0, 1, 0, len(tree), len(data)) + bytes(data)
    return body + struct.pack("<I", zlib.crc32(body)) + b"LCKE"


def edit(verb, path, *fields):
    """One edit: its verb, its path, then its fields' encoded values."""
    return b"\x07" + varint(2 + len(fields)) + b"\x06" + text(verb) + b"\x07" + varint(len(path)) \
        + b"".join(b"\x06" + text(k) for k in path) + b"".join(fields)


def delta(path, value):
    return b"\x07\x01" + edit("set", path, value)


def int_value(n):
    return b"\x03" + varint(n << 1)


def name(number):
    seconds, n = number >> 20, number & 0xFFFFF
    return f"lightningapp_checkpoint_{seconds}" + (f"_{n}" if n else "") + ".lsnap"


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)

    def write(verdict, file_name, data):
        path = os.path.join(folder, file_name)
        with open(path, "wb") as handle:
            handle.write(data)
        print(verdict, path)
        return path

    for n in (0, 3, 4):
        verdict = "accept" if n >= 4 else "refuse"
        write(verdict, f"packed-floats-{n}.lsnap", snapshot(b"\x09" + varint(n), planes([1.5] * n)))
        write(verdict, f"packed-ints-{n}.lsnap", snapshot(b"\x0a" + varint(n) + b"\x02" * n))
    write("refuse", "empty-block.lsnap", snapshot(b"\x00", extra_blocks=[(1, 0)]))
    ints = b"\x0a" + varint(8) + b"\x02" * 8
    write("accept", "deflated-block.lsnap", deflated(ints))
    write("refuse", "deflated-block-damaged.lsnap", deflated(ints, damaged=True))
    write("refuse", "full-with-parent.lsnap", snapshot(b"\x07\x00", parent=7))
    for digits in (4300, 4301):
        for sign in ("", "-"):
            number = (sign + "1" + "0" * (digits - 1)).encode()
            write("accept" if digits <= 4300 else "refuse", f"big-int-{sign}{digits}.lsnap", snapshot(b"\x04" + varint(len(number)) + number))
    write("refuse", "empty.lsnap", b"")
    write("refuse", "cut-signature.json", MAGIC[:3])

    # A chain: one full snapshot, and deltas whose values land exactly at the limit or one past it.
    state = b"\x08\x02" + text("vars") + b"\x08\x00" + text("a") + b"\x08\x01" + text("b") + b"\x08\x01" + text("c") + b"\x08\x01" + text("d") + b"\x08\x00"
    parent = 1 << 20
    parent_path = write("accept", name(parent), snapshot(state, sequence=parent))
    number = parent
    accepted_delta = None
    for path, reach in (([], 1024), (["vars"], 1023), (["a", "b", "c", "d", "e"], 1019)):
        for levels, verdict in ((reach, "accept"), (reach + 1, "refuse")):
            number += 1
            written = write(verdict, name(number), snapshot(delta(path, nested(levels)), kind=1, sequence=number, parent=parent))
            accepted_delta = written if verdict == "accept" else accepted_delta

    # Version 3's edits inside values, each just inside and just outside its edge, and refused in
    # a version 2 file. The parent's vars hold h = [1, 2], s = "ab" and t = {}.
    inner = b"\x08\x03" + text("h") + b"\x07\x02\x03\x02\x03\x04" + text("s") + b"\x06" + text("ab") + text("t") + b"\x08\x00"
    state3 = b"\x08\x01" + text("vars") + inner
    base = 50 << 20
    base_path = write("accept", name(base), snapshot(state3, sequence=base, version=3))
    cases = [
        ("accept", edit("splice", ["vars", "h"], int_value(1), int_value(2), b"\x07\x01\x02"), 3),
        ("refuse", edit("splice", ["vars", "h"], int_value(1), int_value(3), b"\x07\x00"), 3),  # past the end
        ("refuse", edit("splice", ["vars", "h"], int_value(2), int_value(1), b"\x07\x00"), 3),  # start after end
        ("accept", edit("insert", ["vars", "n"], int_value(3), b"\x00"), 3),  # after the 3 members
        ("refuse", edit("insert", ["vars", "n"], int_value(4), b"\x00"), 3),
        ("refuse", edit("insert", ["vars", "h"], int_value(0), b"\x00"), 3),  # exists
        ("accept", edit("append", ["vars", "h"], b"\x07\x01\x01"), 3),
        ("refuse", edit("append", ["vars", "h"], b"\x06" + text("x")), 3),  # text to an array
        ("accept", edit("append", ["vars", "s"], b"\x06" + text("cd")), 3),
        ("refuse", edit("append", ["vars", "t"], b"\x07\x00"), 3),  # to an object
        ("refuse", edit("append", ["vars", "h"], b"\x07\x01\x01"), 2),  # a version 3 verb in version 2
        ("refuse", edit("splice", ["vars", "h"], int_value(0), int_value(0), b"\x07\x00"), 2),
    ]
    for index, (verdict, one, version) in enumerate(cases):
        number = base + 1 + index
        write(verdict, name(number), snapshot(b"\x07\x01" + one, kind=1, sequence=number, parent=base, version=version))

    # Read only under their own names: a delta under any other, a numbered full snapshot under
    # another checkpoint's (including names whose parts overflow a snapshot number: no checkpoint's).
    def copy(verdict, source, file_name):
        shutil.copyfile(source, os.path.join(folder, file_name))
        print(verdict, os.path.join(folder, file_name))

    copy("refuse", accepted_delta, name(99 << 20))
    copy("refuse", accepted_delta, "copy.lsnap")
    copy("refuse", parent_path, name(98 << 20))
    copy("accept", parent_path, "kept.lsnap")
    copy("accept", parent_path, "lightningapp_checkpoint_0_1048576.lsnap")
    copy("accept", parent_path, f"lightningapp_checkpoint_{(1 << 44) + 1}.lsnap")
    write("accept", name(97 << 20), snapshot(state))  # unnumbered: any name


if __name__ == "__main__":
    main()
