@_spi(Reflection) import Swift

/// Where a flow's child properties live in the object, so that each iteration can tell whether
/// any was reassigned by comparing a word per property, without reflecting.
///
/// A plain stored property cannot report its writes, and reflecting a flow (`Mirror`) costs
/// microseconds; a word compare costs a nanosecond. Equal bits mean the same child: the flow's
/// saved children keep every child they record alive, so its address cannot be reused. Different
/// bits send the flow back to reflection, which reads the children properly (weak ones included).
struct ChildSlots {
    /// The byte offsets of the `var` properties whose declared type can hold a child (a `let`
    /// property cannot be reassigned, so it is never compared).
    let offsets: [Int]
    /// The names of the properties that can hold a child, `let` or `var`, as reflection labels
    /// them; `nil` when the runtime did not describe every field, and reflection must then look at
    /// every property's value.
    let labels: Set<String>?
    /// Whether the runtime described every field; if not, every check reports a change.
    let complete: Bool

    init(of type: LightningFlow.Type) {
        var fields: [(name: String, offset: Int, type: Any.Type)] = []
        // `_forEachField` visits a class's fields, its superclasses' included, only with `.classType`
        // (raw value 1, spelled so because the option is a global that strict concurrency refuses).
        complete = _forEachField(of: type, options: _EachFieldOptions(rawValue: 1 << 0)) { name, offset, fieldType, _ in
            fields.append((String(cString: name), offset, fieldType))
            return true
        }
        // Trusted only when the records name exactly these fields; otherwise every one is a `var`.
        let records = FieldRecords.storedProperties(of: type)
        let isVar = records.flatMap { $0.map(\.name) == fields.map(\.name) ? $0.map(\.isVar) : nil }
        var offsets: [Int] = []
        var labels = Set<String>()
        for (index, field) in fields.enumerated() where LightningFlow.canHoldComponent(field.type) {
            labels.insert(field.name)
            if isVar?[index] ?? true { offsets.append(field.offset) }
        }
        self.offsets = offsets
        self.labels = complete ? labels : nil
    }

    /// The bit patterns of `flow`'s child properties now.
    func bits(of flow: LightningFlow) -> [UInt] {
        withBase(of: flow) { base in offsets.map { base.load(fromByteOffset: $0, as: UInt.self) } }
    }

    /// Whether `flow`'s child properties hold exactly `bits`.
    func match(_ flow: LightningFlow, _ bits: [UInt]) -> Bool {
        guard complete, bits.count == offsets.count else { return false }
        return withBase(of: flow) { base in
            for (offset, expected) in zip(offsets, bits) where base.load(fromByteOffset: offset, as: UInt.self) != expected {
                return false
            }
            return true
        }
    }

    private func withBase<T>(of flow: LightningFlow, _ body: (UnsafeRawPointer) -> T) -> T {
        withExtendedLifetime(flow) { body(UnsafeRawPointer(Unmanaged.passUnretained(flow).toOpaque())) }
    }
}
