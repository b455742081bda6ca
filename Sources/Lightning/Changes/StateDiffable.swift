import LightningState

/// A value whose changes the checkpoint writer finds by comparing it, in Swift terms, with its own
/// copy of the value at the last checkpoint — without converting what did not change.
///
/// A changed var of such a type costs the loop a reference to its value (copy-on-write); the
/// writer's thread then compares it with the copy it keeps, writes only the difference — the
/// elements appended to an array or the one range replaced, the entries of a dictionary set,
/// inserted or removed (each found the same way, at any depth), the text appended to a string —
/// and brings its copy up to date by the same difference, in place. Scalars, collections and
/// optionals of them conform; other types (`Codable` ones) are converted on the loop and compared
/// as state on the writer's thread.
protocol StateDiffable: StateConvertible, Sendable {
    /// Whether a changed var of this type is worth comparing: scalars are set whole.
    static var isCompared: Bool { get }
    /// Whether two values have the same state when their bytes are equal, and only then
    /// (`Double`, `Int`, `Bool`): arrays of them are compared a memory block at a time.
    static var comparesByBytes: Bool { get }
    /// Whether a value may hold others (arrays, dictionaries, state trees): a changed one is
    /// edited inside, so counting changed entries says nothing of an edit's size.
    static var isContainer: Bool { get }
    /// Whether `other` has the same state, to the bit (floats by bit pattern, strings by code units).
    func hasSameState(as other: Self) -> Bool
    /// Appends to `delta` the edits that turn this value's state, at `path`, into `new`'s, and
    /// becomes `new`, changing in place only what differs.
    mutating func absorb(_ new: Self, at path: [StateString], into delta: inout StateDelta)
    /// The value in storage of its own, at every level (not shared with the app's var, whose next
    /// write would then copy it), for the writer to keep and change in place.
    func ownCopy() -> Self
}

extension StateDiffable {
    static var isCompared: Bool { true }
    static var comparesByBytes: Bool { false }
    static var isContainer: Bool { false }

    mutating func absorb(_ new: Self, at path: [StateString], into delta: inout StateDelta) {
        guard !hasSameState(as: new) else { return }
        delta.set(path, to: new.stateValue)
        self = new
    }

    func ownCopy() -> Self { self }
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

    mutating func absorb(_ new: String, at path: [StateString], into delta: inout StateDelta) {
        guard !hasSameState(as: new) else { return }
        delta.appendChanges(from: stateValue, to: new.stateValue, at: path)
        self = new  // a string is never changed in place: sharing its storage costs the app nothing
    }
}

extension StateString: StateDiffable {
    func hasSameState(as other: StateString) -> Bool { self == other }

    mutating func absorb(_ new: StateString, at path: [StateString], into delta: inout StateDelta) {
        guard self != new else { return }
        delta.appendChanges(from: .string(self), to: .string(new), at: path)
        self = new
    }
}

extension StateValue: StateDiffable {
    /// A tree is never changed in place (an app sets a new one), so it is kept as it is.
    static var isContainer: Bool { true }

    func hasSameState(as other: StateValue) -> Bool { isIdentical(to: other) }

    mutating func absorb(_ new: StateValue, at path: [StateString], into delta: inout StateDelta) {
        delta.appendChanges(from: self, to: new, at: path)
        self = new
    }
}
