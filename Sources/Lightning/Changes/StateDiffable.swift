import LightningState

/// A value whose changes the checkpoint writer finds by comparing it with the value it had at the
/// last checkpoint, in Swift terms — without converting what did not change.
///
/// A changed var of such a type costs the loop a reference to its value (copy-on-write); the
/// writer's thread then compares it with the value it kept and writes only the difference: the
/// elements appended to an array or the one range replaced, the entries of a dictionary set,
/// inserted or removed (each found the same way, at any depth), the text appended to a string.
/// Scalars, collections and optionals of them conform; other types (`Codable` ones) are
/// converted on the loop and compared as state on the writer's thread.
protocol StateDiffable: StateConvertible, Sendable {
    /// Whether a changed var of this type is worth comparing: scalars are set whole.
    static var isCompared: Bool { get }
    /// Whether two values have the same state when their bytes are equal, and only then
    /// (`Double`, `Int`, `Bool`): arrays of them are compared a memory block at a time.
    static var comparesByBytes: Bool { get }
    /// Whether `other` has the same state, to the bit (floats by bit pattern, strings by code units).
    func hasSameState(as other: Self) -> Bool
    /// Appends to `delta` the edits that turn `old`'s state, at `path`, into this value's.
    func appendStateChanges(from old: Self, at path: [StateString], into delta: inout StateDelta)
}

extension StateDiffable {
    static var isCompared: Bool { true }
    static var comparesByBytes: Bool { false }

    func appendStateChanges(from old: Self, at path: [StateString], into delta: inout StateDelta) {
        if !hasSameState(as: old) { delta.set(path, to: stateValue) }
    }
}

extension Int: StateDiffable {
    static var isCompared: Bool { false }
    static var comparesByBytes: Bool { true }
    func hasSameState(as other: Int) -> Bool { self == other }
}

extension Double: StateDiffable {
    static var isCompared: Bool { false }
    static var comparesByBytes: Bool { true }
    func hasSameState(as other: Double) -> Bool { bitPattern == other.bitPattern }
}

extension Bool: StateDiffable {
    static var isCompared: Bool { false }
    static var comparesByBytes: Bool { true }
    func hasSameState(as other: Bool) -> Bool { self == other }
}

extension String: StateDiffable {
    /// Code unit equality: `"é"` and `"e\u{301}"` are equal Swift strings but different states.
    func hasSameState(as other: String) -> Bool { utf8.elementsEqual(other.utf8) }

    func appendStateChanges(from old: String, at path: [StateString], into delta: inout StateDelta) {
        delta.appendChanges(from: old.stateValue, to: stateValue, at: path)
    }
}

extension StateString: StateDiffable {
    func hasSameState(as other: StateString) -> Bool { self == other }

    func appendStateChanges(from old: StateString, at path: [StateString], into delta: inout StateDelta) {
        delta.appendChanges(from: .string(old), to: .string(self), at: path)
    }
}

extension StateValue: StateDiffable {
    func hasSameState(as other: StateValue) -> Bool { isIdentical(to: other) }

    func appendStateChanges(from old: StateValue, at path: [StateString], into delta: inout StateDelta) {
        delta.appendChanges(from: old, to: self, at: path)
    }
}
