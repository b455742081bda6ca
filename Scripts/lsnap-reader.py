#!/usr/bin/env python3
"""A reader of binary snapshots written from docs/FORMAT.md alone, with Python's standard library.

It exists to keep the format document honest: `Scripts/format-check.sh` (run by `.ci/run`) checks
that, for every snapshot the apps write (full ones and chains of deltas), this reader and
`lightning-checkpoint export` give the same JSON. It prints the state as json.dumps does (NaN and
the infinities as Python writes them).

    Scripts/lsnap-reader.py FILE.lsnap            # prints the state as JSON
"""
import json
import os
import re
import struct
import sys
import zlib

MAGIC = b"\x89LCK\r\n\x1a\n"
END = b"LCKE"
INTERN_LIMIT = 64
MAX_DEPTH = 1024
MAX_CHAIN = 100_000
PACK_MINIMUM = 4
MAX_DIGITS = 4300
NAME = re.compile(r"lightningapp_checkpoint_(0|[1-9][0-9]*)(?:_([1-9][0-9]*))?(?:\.lsnap|\.json)?")


class FormatError(Exception):
    pass


class Cursor:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def left(self):
        return len(self.data) - self.pos

    def take(self, n):
        if n > self.left():
            raise FormatError(f"length {n} exceeds the {self.left()} bytes left")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self):
        return self.take(1)[0]

    def varint(self):
        value, shift = 0, 0
        for index in range(10):
            b = self.byte()
            if index == 9 and b > 1:
                raise FormatError("varint longer than 64 bits")
            value |= (b & 0x7F) << shift
            if b < 0x80:
                return value
            shift += 7
        raise FormatError("varint longer than 64 bits")

    def zigzag(self):
        u = self.varint()
        return (u >> 1) ^ -(u & 1)

    def count(self, unit=1):
        n = self.varint()
        if n > self.left() // unit:
            raise FormatError(f"count {n} exceeds the bytes left")
        return n


def wtf8(raw):
    """Decodes WTF-8: UTF-8 that may hold lone surrogates, never a high one followed by a low one."""
    text = raw.decode("utf-8", "surrogatepass")
    for a, b in zip(text, text[1:]):
        if 0xD800 <= ord(a) <= 0xDBFF and 0xDC00 <= ord(b) <= 0xDFFF:
            raise FormatError("a surrogate pair written as two code points")
    return text


def parse_file(data):
    """Checks the file and returns (version, kind, sequence, parent, tree stream, float stream)."""
    if not data.startswith(MAGIC):
        raise FormatError("not a binary snapshot")
    if len(data) < 72:
        raise FormatError("truncated")
    (version,) = struct.unpack_from("<H", data, 8)
    if version not in (1, 2, 3):
        raise FormatError(f"snapshot format version {version} is not supported (this reader reads versions 1, 2 and 3)")
    if data[-4:] != END:
        raise FormatError("no end signature")
    (stored_crc,) = struct.unpack_from("<I", data, len(data) - 8)
    if zlib.crc32(data[:-8]) != stored_crc:
        raise FormatError("checksum mismatch")
    flags, kind = struct.unpack_from("<HB", data, 10)
    if flags != 0 or kind not in (0, 1):
        raise FormatError("unknown flags or kind")
    sequence, parent, tree_bytes, float_bytes, blocks = struct.unpack_from("<QQQQI", data, 16)
    if kind == 0 and parent != 0:
        raise FormatError("a full snapshot with a parent")
    end = len(data) - 8
    if blocks * 12 > end - 64:
        raise FormatError("the block table does not fit")
    offset = 64 + 12 * blocks
    streams = [bytearray(), bytearray()]
    for index in range(blocks):
        stream, method, _, uncompressed, stored = struct.unpack_from("<BBHII", data, 64 + 12 * index)
        if stream not in (0, 1) or method not in (0, 1):
            raise FormatError(f"block {index}: unknown stream or method")
        if uncompressed == 0:
            raise FormatError(f"block {index} is empty")
        if stored > end - offset:
            raise FormatError(f"block {index} is truncated")
        if method == 0 and uncompressed != stored or method == 1 and uncompressed > stored * 1032 + 64:
            raise FormatError(f"block {index}: impossible sizes")
        raw = data[offset:offset + stored]
        if method == 1:
            inflater = zlib.decompressobj()
            try:
                raw = inflater.decompress(raw, uncompressed + 1)
            except zlib.error as error:
                raise FormatError(f"block {index} does not inflate: {error}") from None
            if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail or len(raw) != uncompressed:
                raise FormatError(f"block {index} does not inflate to {uncompressed} bytes")
        streams[stream] += raw
        offset += stored
    if offset != end:
        raise FormatError("the blocks do not tile the data")
    if len(streams[0]) != tree_bytes or len(streams[1]) != float_bytes:
        raise FormatError("the blocks do not add up to the stream sizes")
    if float_bytes % 8:
        raise FormatError("the float stream is not a whole number of floats")
    return version, kind, sequence, parent, bytes(streams[0]), bytes(streams[1])


class TreeReader:
    def __init__(self, version, tree, floats, max_depth):
        self.version = version
        self.max_depth = max_depth
        self.tree = Cursor(tree)
        self.floats = floats
        self.float_count = len(floats) // 8
        self.floats_read = 0
        self.table = []

    def document(self):
        value = self.value(0)
        if self.tree.left() or self.floats_read != self.float_count:
            raise FormatError("bytes left over in a stream")
        return value

    def packed_floats(self, n):
        """The next n floats: byte p of float i is at p * stride + i after the first, where the
        stride is the array's length in version 1 and the stream's float count in version 2."""
        if n > self.float_count - self.floats_read:
            raise FormatError("more packed floats than the float stream holds")
        if self.version == 1:
            first, stride = 8 * self.floats_read, n
        else:
            first, stride = self.floats_read, self.float_count
        self.floats_read += n
        out = []
        for i in range(n):
            bits = sum(self.floats[first + p * stride + i] << (8 * p) for p in range(8))
            out.append(struct.unpack("<d", struct.pack("<Q", bits))[0])
        return out

    @staticmethod
    def packed_count(n):
        if n < PACK_MINIMUM:
            raise FormatError(f"a packed array of {n} elements")
        return n

    def string(self):
        r = self.tree.varint()
        if r % 2 == 0:
            if r // 2 >= len(self.table):
                raise FormatError("a string reference beyond the table")
            return self.table[r // 2]
        length = (r - 1) // 2
        text = wtf8(self.tree.take(length))
        if length <= INTERN_LIMIT:
            self.table.append(text)
        return text

    def value(self, depth):
        tag = self.tree.byte()
        if tag == 0x00:
            return None
        if tag in (0x01, 0x02):
            return tag == 0x02
        if tag == 0x03:
            return self.tree.zigzag()
        if tag == 0x04:
            text = self.tree.take(self.tree.count()).decode("ascii")
            if len(text.lstrip("-")) > MAX_DIGITS:
                raise FormatError(f"an integer of more than {MAX_DIGITS} digits")
            value = int(text)
            if str(value) != text or -2**63 <= value < 2**63:
                raise FormatError("not a canonical integer outside 64 bits")
            return value
        if tag == 0x05:
            return struct.unpack("<d", self.tree.take(8))[0]
        if tag == 0x06:
            return self.string()
        if tag in (0x07, 0x08, 0x09, 0x0A) and depth + 1 > self.max_depth:
            raise FormatError("nesting too deep")
        if tag == 0x07:
            return [self.value(depth + 1) for _ in range(self.tree.count())]
        if tag == 0x08:
            members = {}
            for _ in range(self.tree.count(2)):
                key = self.string()
                if key in members:
                    raise FormatError(f"duplicate key {key!r}")
                members[key] = self.value(depth + 1)
            return members
        if tag == 0x09:
            return self.packed_floats(self.packed_count(self.tree.varint()))
        if tag == 0x0A:
            return [self.tree.zigzag() for _ in range(self.packed_count(self.tree.count()))]
        raise FormatError(f"unknown tag 0x{tag:02x}")


def nesting(value):
    """How deeply arrays and objects nest: 0 for a scalar, 1 for [] or {}."""
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    return 0


def number_of(file_name):
    """The number a checkpoint name stands for, or None for a name that is no checkpoint's."""
    match = NAME.fullmatch(file_name)
    if not match or int(match.group(1)) >= 1 << 44 or match.group(2) and int(match.group(2)) >= 1 << 20:
        return None
    return int(match.group(1)) << 20 | int(match.group(2) or 0)


def name_of(number):
    seconds, n = number >> 20, number & 0xFFFFF
    return f"lightningapp_checkpoint_{seconds}" + (f"_{n}" if n else "") + ".lsnap"


SHAPES = {"set": 3, "remove": 2, "insert": 4, "append": 3, "splice": 5}
VERSION_3_VERBS = ("insert", "append", "splice")


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def carried(edit):
    """The value an edit carries into the state, whose nesting the one rule counts."""
    return {"set": 2, "insert": 3, "append": 2, "splice": 4}.get(edit[0])


def apply(state, edits, version):
    if not isinstance(edits, list):
        raise FormatError("a delta's payload is not a list of edits")
    for index, edit in enumerate(edits):
        ok = isinstance(edit, list) and len(edit) >= 2 and isinstance(edit[1], list) \
            and all(isinstance(key, str) for key in edit[1]) \
            and isinstance(edit[0], str) and SHAPES.get(edit[0]) == len(edit) \
            and (version >= 3 or edit[0] not in VERSION_3_VERBS)
        verb = edit[0] if ok else None
        ok = ok and (verb != "insert" or is_count(edit[2])) \
            and (verb != "append" or isinstance(edit[2], (list, str))) \
            and (verb != "splice" or is_count(edit[2]) and is_count(edit[3]) and edit[2] <= edit[3] and isinstance(edit[4], list))
        if not ok:
            raise FormatError(f"edit {index} is malformed")
        path = edit[1]
        if carried(edit) is not None and len(path) + nesting(edit[carried(edit)]) > MAX_DEPTH:
            raise FormatError(f"edit {index}: nests deeper than {MAX_DEPTH} levels in the state")
        if not path:
            if verb != "set":
                raise FormatError(f"edit {index}: cannot {verb} the whole state")
            state = edit[2]
            continue
        parent = state
        for key in path[:-1]:
            if not isinstance(parent, dict) or key not in parent:
                raise FormatError(f"edit {index}: no member {key!r} on the way")
            parent = parent[key]
        if not isinstance(parent, dict):
            raise FormatError(f"edit {index}: the parent is not an object")
        key = path[-1]
        if verb == "set":
            parent[key] = edit[2]  # a dict keeps an existing key's place and appends a new one
        elif verb == "remove":
            if key not in parent:
                raise FormatError(f"edit {index}: no such member to remove")
            del parent[key]
        elif verb == "insert":
            if key in parent or edit[2] > len(parent):
                raise FormatError(f"edit {index}: cannot insert {key!r} at {edit[2]}")
            members = list(parent.items())
            members.insert(edit[2], (key, edit[3]))
            parent.clear()
            parent.update(members)
        elif verb == "append":
            member = parent.get(key)
            if isinstance(edit[2], list) and isinstance(member, list):
                member.extend(edit[2])
            elif isinstance(edit[2], str) and isinstance(member, str):
                # A lone high surrogate followed by a low one would be one code point: not WTF-8.
                if member and edit[2] and 0xD800 <= ord(member[-1]) <= 0xDBFF and 0xDC00 <= ord(edit[2][0]) <= 0xDFFF:
                    raise FormatError(f"edit {index}: the text appended would join surrogates")
                parent[key] = member + edit[2]
            else:
                raise FormatError(f"edit {index}: nothing of that kind to append to")
        else:
            member = parent.get(key)
            if not isinstance(member, list) or edit[3] > len(member):
                raise FormatError(f"edit {index}: no array of {edit[3]} elements to splice")
            member[edit[2]:edit[3]] = edit[4]
    return state


def read(path):
    """The state a snapshot restores, following the chain of parents of a delta."""
    deltas = []
    expected = None
    while True:
        try:
            with open(path, "rb") as handle:
                version, kind, sequence, parent, tree, floats = parse_file(handle.read())
            # A delta's edit list and edits wrap its values in two more levels.
            value = TreeReader(version, tree, floats, MAX_DEPTH + 2 * kind).document()
        except FileNotFoundError:
            if expected is None:
                raise
            raise FormatError(f"its parent snapshot {os.path.basename(path)} is missing") from None
        except (OSError, FormatError, ValueError) as error:
            if expected is None:
                raise
            # A parent's fault is told as the parent's, under the file asked for.
            raise FormatError(f"{os.path.basename(path)} in its chain of deltas: {error}") from None
        if expected is not None and sequence != expected:
            raise FormatError(f"{os.path.basename(path)} in its chain of deltas: its sequence is {sequence}, not the {expected} its child names")
        named = number_of(os.path.basename(path))
        if expected is None and (kind == 1 or sequence != 0) and named != sequence and (kind == 1 or named is not None):
            raise FormatError(f"is snapshot {name_of(sequence)}, under another name")
        if kind == 0:
            state = value
            for delta_version, edits in reversed(deltas):
                state = apply(state, edits, delta_version)
            return state
        deltas.append((version, value))
        if parent >= sequence or len(deltas) > MAX_CHAIN:
            raise FormatError("a bad chain" if len(deltas) == 1 else f"{os.path.basename(path)} in its chain of deltas: a bad chain")
        path = os.path.join(os.path.dirname(path), name_of(parent))
        expected = parent


def main():
    usage = "usage: Scripts/lsnap-reader.py FILE.lsnap"
    if len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help"):
        print(usage + "\n\n" + (__doc__ or "").strip())
        return
    if len(sys.argv) != 2:
        sys.exit(usage)
    sys.setrecursionlimit(10_000)  # states nest up to 1,024 levels, and the reader recurses
    try:
        state = read(sys.argv[1])
    except (OSError, FormatError, UnicodeDecodeError, ValueError) as error:
        sys.exit(f"{sys.argv[1]}: {error}")
    sys.stdout.write(json.dumps(state))


if __name__ == "__main__":
    main()
