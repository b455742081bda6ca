#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LightningState

extension Optional: StateDiffable where Wrapped: StateDiffable {
    static var isCompared: Bool { Wrapped.isCompared }
    static var isContainer: Bool { Wrapped.isContainer }

    func hasSameState(as other: Wrapped?) -> Bool {
        switch (self, other) {
        case (nil, nil): return true
        case (let value?, let otherValue?): return value.hasSameState(as: otherValue)
        default: return false
        }
    }

    mutating func absorb(_ new: Wrapped?, at path: [StateString], into delta: inout StateDelta) {
        if self != nil, let new {
            self!.absorb(new, at: path, into: &delta)
        } else if !hasSameState(as: new) {
            delta.set(path, to: new.stateValue)
            self = new?.ownCopy()
        }
    }

    func ownCopy() -> Wrapped? { self?.ownCopy() }
}

extension Array: StateDiffable where Element: StateDiffable {
    static var isContainer: Bool { true }

    func hasSameState(as other: [Element]) -> Bool {
        count == other.count && Self.changedRange(from: other, to: self) == nil
    }

    /// The fewest elements that say what changed: the elements appended after a few ranges
    /// replaced in place (a history corrected here and there, then grown), or the one range
    /// replaced after the common prefix and suffix (elements inserted or removed in the middle);
    /// the whole array when no element is kept. Only the elements written are converted, and only
    /// they are copied into this array.
    mutating func absorb(_ new: [Element], at path: [StateString], into delta: inout StateDelta) {
        guard let changed = Self.changedRange(from: self, to: new) else { return }
        let appendedOnly = changed.old.isEmpty && changed.old.lowerBound == count
        if !appendedOnly, new.count >= count, let runs = Self.changedRuns(from: self, to: new), !runs.isEmpty || new.count > count {
            let written = runs.reduce(new.count - count) { $0 + $1.count }
            if written < changed.new.count && written < new.count {
                let oldCount = count
                for run in runs {
                    delta.edits.append(.splice(path: path, range: run, elements: new[run].map(\.stateValue)))
                    replaceSubrange(run, with: new[run].map { $0.ownCopy() })
                }
                if new.count > oldCount {
                    delta.edits.append(.append(path: path, tail: Array(new[oldCount...]).stateValue))
                    append(contentsOf: new[oldCount...].map { $0.ownCopy() })
                }
                return
            }
        }
        delta.appendArrayEdit(oldCount: count, newCount: new.count, changed: changed, at: path, elements: Array(new[changed.new]).stateArray)
        if changed.new.count < new.count {
            replaceSubrange(changed.old, with: new[changed.new].map { $0.ownCopy() })
        } else {
            self = new.ownCopy()
        }
    }

    /// The most ranges ``changedRuns(from:to:)`` reports; more, and one range is written instead.
    static var maximumRuns: Int { 16 }

    /// The ranges of `old`'s indices where `new` differs from it, runs closer than 8 elements
    /// apart joined; `nil` when there are more than ``maximumRuns``.
    static func changedRuns(from old: [Element], to new: [Element]) -> [Range<Int>]? {
        var runs: [Range<Int>] = []
        func differs(at index: Int) -> Bool { !old[index].hasSameState(as: new[index]) }
        var index = 0
        let count = old.count
        while index < count {
            if Element.comparesByBytes {
                // Skip equal blocks a memory compare at a time.
                let block = Swift.min(512, count - index)
                let equal = old.withUnsafeBufferPointer { a in
                    new.withUnsafeBufferPointer { b in
                        memcmp(a.baseAddress! + index, b.baseAddress! + index, block * MemoryLayout<Element>.stride) == 0
                    }
                }
                if equal {
                    index += block
                    continue
                }
            }
            guard differs(at: index) else {
                index += 1
                continue
            }
            var end = index + 1
            while end < count && differs(at: end) { end += 1 }
            if let last = runs.last, index - last.upperBound < 8 {
                runs[runs.count - 1] = last.lowerBound..<end
            } else {
                guard runs.count < maximumRuns else { return nil }
                runs.append(index..<end)
            }
            index = end
        }
        return runs
    }

    func ownCopy() -> [Element] {
        if Element.isContainer { return map { $0.ownCopy() } }
        var copy = self
        copy.reserveCapacity(count)  // a shared buffer is copied: the copy's is its own
        return copy
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
    static var isContainer: Bool { true }

    func hasSameState(as other: [String: Value]) -> Bool {
        guard count == other.count else { return false }
        for (key, value) in self {
            guard let otherValue = other[key], value.hasSameState(as: otherValue) else { return false }
        }
        return true
    }

    /// The entries changed (each compared in turn), removed, and added — inserted where they sort,
    /// as the state lists keys in order; the whole dictionary when more than half the entries changed.
    mutating func absorb(_ new: [String: Value], at path: [StateString], into delta: inout StateDelta) {
        // The common values get code of their own (the generic walk costs a value-witness call per
        // entry), called with the concrete type so that the compiler specializes it. The casts are
        // of a type to itself; `self` is emptied meanwhile, so that the storage changes in place.
        if Value.self == Double.self {
            var typed = unsafeBitCast(self, to: [String: Double].self)
            self = [:]
            absorbDictionary(&typed, unsafeBitCast(new, to: [String: Double].self), at: path, into: &delta)
            self = unsafeBitCast(typed, to: [String: Value].self)
        } else if Value.self == Int.self {
            var typed = unsafeBitCast(self, to: [String: Int].self)
            self = [:]
            absorbDictionary(&typed, unsafeBitCast(new, to: [String: Int].self), at: path, into: &delta)
            self = unsafeBitCast(typed, to: [String: Value].self)
        } else if Value.self == String.self {
            var typed = unsafeBitCast(self, to: [String: String].self)
            self = [:]
            absorbDictionary(&typed, unsafeBitCast(new, to: [String: String].self), at: path, into: &delta)
            self = unsafeBitCast(typed, to: [String: Value].self)
        } else {
            absorbDictionary(&self, new, at: path, into: &delta)
        }
    }

    func ownCopy() -> [String: Value] {
        if Value.isContainer { return mapValues { $0.ownCopy() } }
        var copy = self
        copy.reserveCapacity(count)  // a shared storage is copied: the copy's is its own
        return copy
    }
}

/// The edits from `old` to `new`, dictionaries whose state lists keys in order; `old` becomes
/// `new`, changed in place where they differ.
///
/// Walks both in step while their keys agree (a dictionary changed in place after a copy keeps its
/// order), and looks keys up only where they do not.
private func absorbDictionary<Value: StateDiffable>(_ old: inout [String: Value], _ new: [String: Value], at path: [StateString], into delta: inout StateDelta) {
    var changes = StateDelta()
    var added: [String] = []
    var touched = 0
    var oldIndex = old.startIndex
    for (key, value) in new {
        // In step while the keys agree, with an added key in a slot of its own and a removed
        // one's slot skipped.
        if oldIndex != old.endIndex, old[oldIndex].key != key, new[old[oldIndex].key] == nil {
            old.formIndex(after: &oldIndex)  // removed
        }
        let position: Dictionary<String, Value>.Index
        if oldIndex != old.endIndex, old[oldIndex].key == key {
            position = oldIndex
            old.formIndex(after: &oldIndex)
        } else if let found = old.index(forKey: key) {
            position = found
        } else {
            added.append(key)
            continue
        }
        if !old.values[position].hasSameState(as: value) {
            touched += 1
            old.values[position].absorb(value, at: path + [StateString(key)], into: &changes)
        }
    }
    let kept = new.count - added.count
    let removed = old.count - kept
    // The whole dictionary when nothing is kept, or when more than half its scalar entries changed
    // (the edits, each with its path, would not be smaller); a container entry's edit is inside it.
    let replaced = kept == 0 && max(old.count, new.count) > 0
    if replaced || (!Value.isContainer && (touched + added.count + removed) * 2 > max(old.count, new.count) && max(old.count, new.count) > 1) {
        delta.set(path, to: new.stateValue)
        old = new.ownCopy()
        return
    }
    if removed > 0 {
        for key in old.keys.filter({ new[$0] == nil }).sorted() {
            delta.remove(path + [StateString(key)])
            old.removeValue(forKey: key)
        }
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
        let value = new[key]!
        if position == new.count - 1 {
            delta.set(member, to: value.stateValue)  // last of all: a set appends it there
        } else {
            delta.edits.append(.insert(path: member, position: position, value: value.stateValue))
        }
        old[key] = value.ownCopy()
    }
}
