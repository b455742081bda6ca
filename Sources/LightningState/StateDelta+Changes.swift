#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StateDelta {
    /// Appends the edits that turn `old` into `new` at `path`: nothing when they are identical;
    /// inside arrays, the elements appended or the one range replaced; inside objects, the members
    /// set, inserted or removed, each found the same way when both are arrays, objects or strings;
    /// appended text on a string. Falls back to setting `new` whole wherever an edit would not be
    /// smaller (every element replaced, members reordered, a different kind).
    ///
    /// Applying the edits to a state holding `old` at `path` gives exactly the state holding
    /// `new` there, member order and float bit patterns included.
    /// - Complexity: O(size of `old` and `new`), less where they share storage.
    package mutating func appendChanges(from old: StateValue, to new: StateValue, at path: [StateString]) {
        switch (old, new) {
        case (.array(let before), .array(let after)):
            appendChanges(from: before, to: after, at: path)
        case (.object(let before), .object(let after)):
            appendChanges(from: before, to: after, at: path)
        case (.string(let before), .string(let after)):
            if before == after { return }
            if let tail = StateDelta.appendedText(from: before, to: after) {
                edits.append(.append(path: path, tail: .string(tail)))
            } else {
                set(path, to: new)
            }
        default:
            if !old.isIdentical(to: new) { set(path, to: new) }
        }
    }

    /// Arrays: the elements after a common prefix and before a common suffix are spliced (or,
    /// when only elements were added at the end, appended).
    package mutating func appendChanges(from old: StateArray, to new: StateArray, at path: [StateString]) {
        let range: (old: Range<Int>, new: Range<Int>)?
        switch (old.storage, new.storage) {
        case (.floats(let before), .floats(let after)):
            range = StateDelta.changedRange(before.count, after.count) { before[$0].bitPattern == after[$1].bitPattern }
        case (.ints(let before), .ints(let after)):
            range = StateDelta.changedRange(ints: before, after)
        case (.narrowInts(let before), .narrowInts(let after)):
            range = before == after ? nil : StateDelta.changedRange(ints: before, after)
        case (.narrowInts(let before), .ints(let after)):
            range = StateDelta.changedRange(ints: before, after)
        case (.ints(let before), .narrowInts(let after)):
            range = StateDelta.changedRange(ints: before, after)
        case (.values(let before), .values(let after)):
            range = StateDelta.changedRange(before.count, after.count) { before[$0].isIdentical(to: after[$1]) }
        default:
            range = StateDelta.changedRange(old.count, new.count) { old[$0].isIdentical(to: new[$1]) }
        }
        guard let range else { return }
        appendArrayEdit(oldCount: old.count, newCount: new.count, changed: range, at: path, elements: new.subarray(range.new))
    }

    /// Appends the edit for an array whose elements `changed.old` became `elements` (the new
    /// array's `changed.new`): an append, a splice, or the whole array when no element is kept.
    package mutating func appendArrayEdit(
        oldCount: Int, newCount: Int, changed: (old: Range<Int>, new: Range<Int>), at path: [StateString], elements: StateArray
    ) {
        if changed.old.isEmpty && changed.old.lowerBound == oldCount {
            edits.append(.append(path: path, tail: .array(elements)))
        } else if changed.new.count < newCount {
            edits.append(.splice(path: path, range: changed.old, elements: elements.values))
        } else {
            set(path, to: .array(elements))
        }
    }

    /// The ranges that differ between two sequences of `oldCount` and `newCount` elements, after
    /// the longest common prefix and then the longest common suffix; `nil` when they are the same.
    /// `same(i, j)` tells whether old element `i` is new element `j`.
    package static func changedRange(_ oldCount: Int, _ newCount: Int, same: (Int, Int) -> Bool) -> (old: Range<Int>, new: Range<Int>)? {
        var prefix = 0
        let shorter = Swift.min(oldCount, newCount)
        while prefix < shorter && same(prefix, prefix) { prefix += 1 }
        if prefix == oldCount && prefix == newCount { return nil }
        var suffix = 0
        while suffix < shorter - prefix && same(oldCount - 1 - suffix, newCount - 1 - suffix) { suffix += 1 }
        return (prefix..<(oldCount - suffix), prefix..<(newCount - suffix))
    }

    /// ``changedRange(_:_:same:)`` of two lists of ints, in 8 bytes or narrower.
    static func changedRange<Before: RandomAccessCollection<Int64>, After: RandomAccessCollection<Int64>>(
        ints before: Before, _ after: After
    ) -> (old: Range<Int>, new: Range<Int>)? where Before.Index == Int, After.Index == Int {
        changedRange(before.count, after.count) { before[$0] == after[$1] }
    }

    /// Objects: members removed, kept ones compared, new ones inserted where they stand; the
    /// whole object when no member is kept or the kept ones changed order, or when more than half
    /// the members changed and all of them are scalars (then the edits, each with its path, would
    /// not be smaller; a container member's edits are inside it).
    package mutating func appendChanges(from old: StateObject, to new: StateObject, at path: [StateString]) {
        var changes = StateDelta()
        var touched = 0
        var touchedContainer = false
        func isContainer(_ value: StateValue?) -> Bool {
            switch value {
            case .array?, .object?: return true
            default: return false
            }
        }
        if old.count == new.count, old.keys.elementsEqual(new.keys) {
            // The common case: the same keys in the same order.
            for (position, key) in new.keys.enumerated() {
                let before = old.values[position]
                let after = new.values[position]
                if before.isIdentical(to: after) { continue }
                touched += 1
                touchedContainer = touchedContainer || isContainer(before) && isContainer(after)
                changes.appendChanges(from: before, to: after, at: path + [key])
            }
        } else {
            // Kept members must keep their relative order, or the object is set whole.
            let keptOld = old.keys.filter { new[$0] != nil }
            let keptNew = new.keys.filter { old[$0] != nil }
            guard keptOld == keptNew, !keptNew.isEmpty else {
                set(path, to: .object(new))
                return
            }
            for key in old.keys where new[key] == nil {
                changes.remove(path + [key])
                touched += 1
            }
            // Whether a kept member follows each position: a new member with none after it is set
            // (appended last, where it stands), the others inserted.
            var keptAfter = [Bool](repeating: false, count: new.count)
            var seen = false
            for position in new.keys.indices.reversed() {
                keptAfter[position] = seen
                if old[new.keys[position]] != nil { seen = true }
            }
            for (position, key) in new.keys.enumerated() {
                let after = new.values[position]
                if let before = old[key] {
                    if before.isIdentical(to: after) { continue }
                    touched += 1
                    touchedContainer = touchedContainer || isContainer(before) && isContainer(after)
                    changes.appendChanges(from: before, to: after, at: path + [key])
                } else {
                    touched += 1
                    if keptAfter[position] {
                        changes.edits.append(.insert(path: path + [key], position: position, value: after))
                    } else {
                        changes.set(path + [key], to: after)
                    }
                }
            }
        }
        let size = Swift.max(old.count, new.count)
        if !touchedContainer && touched * 2 > size && size > 1 {
            set(path, to: .object(new))
        } else {
            append(contentsOf: changes)
        }
    }

    /// The text appended to `old` to make `new`, when `new` starts with all of `old`'s bytes;
    /// `nil` otherwise, or when `old` is too short to be worth it. (As `new` is well formed, the
    /// join is never a surrogate pair.)
    package static func appendedText(from old: StateString, to new: StateString) -> StateString? {
        let oldCount = old.wtf8Count
        guard oldCount >= 16, new.wtf8Count > oldCount else { return nil }
        return new.withWTF8 { bytes -> StateString? in
            let isPrefix = old.withWTF8 { prefix in memcmp(prefix.baseAddress!, bytes.baseAddress!, oldCount) == 0 }
            return isPrefix ? StateString(wtf8: bytes[oldCount...]) : nil
        }
    }
}

extension StateValue {
    /// Whether the two values are the same tree to the bit: unlike ``==(_:_:)``, NaNs with
    /// different payloads differ, as the binary format keeps them.
    package func isIdentical(to other: StateValue) -> Bool {
        switch (self, other) {
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            switch (a.storage, b.storage) {
            case (.floats(let x), .floats(let y)): return zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
            case (.ints(let x), .ints(let y)): return x == y
            case (.narrowInts(let x), .narrowInts(let y)): return x == y
            case (.narrowInts(let x), .ints(let y)): return x.elementsEqual(y)
            case (.ints(let x), .narrowInts(let y)): return x.elementsEqual(y)
            case (.values(let x), .values(let y)): return zip(x, y).allSatisfy { $0.isIdentical(to: $1) }
            default: return zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
            }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.keys.elementsEqual(b.keys) && zip(a.values, b.values).allSatisfy { $0.isIdentical(to: $1) }
        default: return self == other
        }
    }
}
