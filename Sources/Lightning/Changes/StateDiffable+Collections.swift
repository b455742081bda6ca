#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LightningState

extension Optional: StateDiffable where Wrapped: StateDiffable {
    static var isCompared: Bool { Wrapped.isCompared }

    func hasSameState(as other: Wrapped?) -> Bool {
        switch (self, other) {
        case (nil, nil): return true
        case (let value?, let otherValue?): return value.hasSameState(as: otherValue)
        default: return false
        }
    }

    func appendStateChanges(from old: Wrapped?, at path: [StateString], into delta: inout StateDelta) {
        if let value = self, let old {
            value.appendStateChanges(from: old, at: path, into: &delta)
        } else if !hasSameState(as: old) {
            delta.set(path, to: stateValue)
        }
    }
}

extension Array: StateDiffable where Element: StateDiffable {
    func hasSameState(as other: [Element]) -> Bool {
        count == other.count && Self.changedRange(from: other, to: self) == nil
    }

    /// The elements appended, or the one range replaced (after the common prefix and suffix); the
    /// whole array when no element is kept. Only the elements written are converted.
    func appendStateChanges(from old: [Element], at path: [StateString], into delta: inout StateDelta) {
        guard let changed = Self.changedRange(from: old, to: self) else { return }
        delta.appendArrayEdit(oldCount: old.count, newCount: count, changed: changed, at: path) { self[$0].stateValue }
    }

    /// The ranges that differ between `old` and `new` (see `StateDelta.changedRange`); arrays
    /// of plain-bits elements are compared with `memcmp`, a block at a time.
    static func changedRange(from old: [Element], to new: [Element]) -> (old: Range<Int>, new: Range<Int>)? {
        guard Element.comparesByBytes else {
            return StateDelta.changedRange(old.count, new.count) { old[$0].hasSameState(as: new[$1]) }
        }
        return old.withUnsafeBufferPointer { before in
            new.withUnsafeBufferPointer { after in
                let prefix = commonPrefix(before, after)
                if prefix == before.count && prefix == after.count { return nil }
                let suffix = commonSuffix(before[prefix...], after[prefix...])
                return (prefix..<(before.count - suffix), prefix..<(after.count - suffix))
            }
        }
    }
}

/// The length of the common prefix of two buffers of plain-bits elements, compared a block at a time.
private func commonPrefix<T>(_ a: UnsafeBufferPointer<T>, _ b: UnsafeBufferPointer<T>) -> Int {
    let length = min(a.count, b.count)
    let stride = MemoryLayout<T>.stride
    let block = 4096
    var start = 0
    while start < length {
        let size = min(block, length - start)
        let pointerA = UnsafeRawPointer(a.baseAddress! + start)
        let pointerB = UnsafeRawPointer(b.baseAddress! + start)
        if memcmp(pointerA, pointerB, size * stride) != 0 {
            var index = 0
            while memcmp(pointerA + index * stride, pointerB + index * stride, stride) == 0 { index += 1 }
            return start + index
        }
        start += size
    }
    return length
}

/// The length of the common suffix of two slices of plain-bits elements (compared from the end).
private func commonSuffix<T>(_ a: Slice<UnsafeBufferPointer<T>>, _ b: Slice<UnsafeBufferPointer<T>>) -> Int {
    let length = min(a.count, b.count)
    let stride = MemoryLayout<T>.stride
    guard length > 0 else { return 0 }
    let endA = UnsafeRawPointer(a.base.baseAddress! + a.endIndex)
    let endB = UnsafeRawPointer(b.base.baseAddress! + b.endIndex)
    var matched = 0
    while matched < length && memcmp(endA - (matched + 1) * stride, endB - (matched + 1) * stride, stride) == 0 {
        matched += 1
    }
    return matched
}

extension Dictionary: StateDiffable where Key == String, Value: StateDiffable {
    func hasSameState(as other: [String: Value]) -> Bool {
        guard count == other.count else { return false }
        for (key, value) in self {
            guard let otherValue = other[key], value.hasSameState(as: otherValue) else { return false }
        }
        return true
    }

    /// The entries changed (each compared in turn), removed, and added — inserted where they sort,
    /// as the state lists keys in order; the whole dictionary when every entry changed.
    func appendStateChanges(from old: [String: Value], at path: [StateString], into delta: inout StateDelta) {
        // The common values get code of their own: the generic walk costs a value-witness call
        // per entry. (The casts are of a type to itself.)
        if Value.self == Double.self {
            dictionaryChanges(from: unsafeBitCast(old, to: [String: Double].self), to: unsafeBitCast(self, to: [String: Double].self), at: path, into: &delta)
        } else if Value.self == Int.self {
            dictionaryChanges(from: unsafeBitCast(old, to: [String: Int].self), to: unsafeBitCast(self, to: [String: Int].self), at: path, into: &delta)
        } else if Value.self == String.self {
            dictionaryChanges(from: unsafeBitCast(old, to: [String: String].self), to: unsafeBitCast(self, to: [String: String].self), at: path, into: &delta)
        } else {
            dictionaryChanges(from: old, to: self, at: path, into: &delta)
        }
    }
}

/// The edits from `old` to `new`, dictionaries whose state lists keys in order.
///
/// Walks both in step while their keys agree (a dictionary changed in place after a copy keeps its
/// order), and looks keys up only where they do not.
private func dictionaryChanges<Value: StateDiffable>(from old: [String: Value], to new: [String: Value], at path: [StateString], into delta: inout StateDelta) {
    var changes = StateDelta()
    var added: [String] = []
    var touched = 0
    var oldIndex = old.startIndex
    for (key, value) in new {
        // In step while the keys agree: a dictionary changed in place after a copy keeps its
        // order, with an added key in a slot of its own and a removed one's slot skipped.
        var before: Value?
        if oldIndex != old.endIndex, old[oldIndex].key != key, new[old[oldIndex].key] == nil {
            old.formIndex(after: &oldIndex)  // removed
        }
        if oldIndex != old.endIndex, old[oldIndex].key == key {
            before = old[oldIndex].value
            old.formIndex(after: &oldIndex)
        } else {
            before = old[key]
        }
        guard let before else {
            added.append(key)
            continue
        }
        if !value.hasSameState(as: before) {
            touched += 1
            value.appendStateChanges(from: before, at: path + [StateString(key)], into: &changes)
        }
    }
    let kept = new.count - added.count
    let removed = old.count - kept
    if touched + added.count == new.count && new.count > 1 {
        delta.set(path, to: new.stateValue)  // nothing kept: the whole dictionary is smaller
        return
    }
    if removed > 0 {
        for key in old.sortedKeys where new[key] == nil { delta.remove(path + [StateString(key)]) }
    }
    delta.append(contentsOf: changes)
    guard !added.isEmpty else { return }
    added.sort()
    // Each new key goes where it sorts among all the keys; inserted in that order, each one's
    // position counts the keys before it, kept or inserted already.
    let positions: [Int]
    if added.count <= 16 {
        positions = added.map { newKey in
            var before = 0
            for key in new.keys where key < newKey { before += 1 }
            return before
        }
    } else {
        let sortedKeys = new.sortedKeys
        var cursor = 0
        positions = added.map { newKey in
            while sortedKeys[cursor] < newKey { cursor += 1 }
            return cursor
        }
    }
    for (key, position) in zip(added, positions) {
        let member = path + [StateString(key)]
        if position == new.count - 1 {
            delta.set(member, to: new[key]!.stateValue)  // last of all: a set appends it there
        } else {
            delta.edits.append(.insert(path: member, position: position, value: new[key]!.stateValue))
        }
    }
}
