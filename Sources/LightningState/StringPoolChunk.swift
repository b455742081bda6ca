/// A run of up to 4,096 strings of a snapshot reader's table of interned strings, written once
/// each, in order, and never moved: the lists of strings read from the snapshot keep places in
/// these chunks (``PooledStrings``) instead of a value per element.
///
/// The reader appends to its last chunk while it reads; a list it builds refers only to the slots
/// written before the list was made, and no slot is written once the reader has finished, which is
/// before the state it returns reaches any other code. That is why a chunk, whose last slots the
/// reader may still be writing while a list already holds the chunk, can be `Sendable`: no slot is
/// ever read and written concurrently. (The count of slots written is kept behind a pointer too, so
/// that reading a slot costs no exclusivity check, as a class's stored `var` would.)
@usableFromInline
package final class StringPoolChunk: @unchecked Sendable {
    /// The slots a chunk has: a place `p` is slot `p & mask` of chunk `p >> shift`.
    @inlinable package static var shift: Int { 12 }
    @inlinable package static var mask: Int { (1 << shift) - 1 }
    @inlinable package static var capacity: Int { 1 << shift }

    @usableFromInline
    let slots: UnsafeMutablePointer<StateString>
    /// The slots written so far.
    @usableFromInline
    let written: UnsafeMutablePointer<Int>

    /// An empty chunk.
    package init() {
        slots = .allocate(capacity: Self.capacity)
        written = .allocate(capacity: 1)
        written.initialize(to: 0)
    }

    deinit {
        slots.deinitialize(count: written.pointee)
        slots.deallocate()
        written.deallocate()
    }

    /// The string in `slot`.
    /// - Precondition: `slot` is written.
    @inlinable
    package subscript(slot: Int) -> StateString {
        precondition(slot < written.pointee, "a string pool slot not written yet")
        return slots[slot]
    }

    /// Writes the next slot.
    /// - Precondition: the chunk is not full, and only the reader that made it writes to it.
    @inlinable
    package func append(_ string: StateString) {
        precondition(written.pointee < Self.capacity, "a full string pool chunk")
        (slots + written.pointee).initialize(to: string)
        written.pointee += 1
    }
}
