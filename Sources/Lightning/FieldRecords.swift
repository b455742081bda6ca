/// Whether each stored property of a class is declared `var` or `let`, read from the field records
/// the compiler emits for reflection (`Mirror` does not tell).
///
/// The records are found through the class's metadata, whose layout the Swift ABI fixes on each
/// platform; they are used only when the names they hold are exactly those `_forEachField` gives,
/// in its order, so that a layout this code does not know is never trusted.
enum FieldRecords {
    /// For each stored property of `type` and its superclasses, base class first (the order of
    /// `_forEachField` with `.classType`), its name and whether it is declared `var`; `nil` where
    /// the records cannot be read.
    static func storedProperties(of type: AnyClass) -> [(name: String, isVar: Bool)]? {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        var levels: [[(name: String, isVar: Bool)]] = []
        var current: AnyClass? = type
        while let level = current {
            guard let properties = declaredProperties(of: level) else { return nil }
            levels.append(properties)
            current = _getSuperclass(level)
        }
        return levels.reversed().flatMap { $0 }
        #else
        // Elsewhere (Objective-C interoperability) the metadata is laid out differently.
        return nil
        #endif
    }

    /// The properties one class declares, from its nominal type descriptor's field descriptor.
    private static func declaredProperties(of type: AnyClass) -> [(name: String, isVar: Bool)]? {
        let metadata = unsafeBitCast(type, to: UnsafeRawPointer.self)
        // Class metadata without Objective-C interoperability: kind, superclass, flags, instance
        // address point, instance size, alignment mask, reserved, class size, class address
        // point, then the type descriptor, at byte 40.
        guard let descriptor = metadata.load(fromByteOffset: 40, as: UnsafeRawPointer?.self),
            descriptor.load(as: UInt32.self) & 0x1F == 16  // a class's context descriptor
        else { return nil }
        let fieldsOffset = descriptor.load(fromByteOffset: 16, as: Int32.self)
        guard fieldsOffset != 0 else { return nil }
        let fields = descriptor + 16 + Int(fieldsOffset)
        let recordSize = Int(fields.load(fromByteOffset: 10, as: UInt16.self))
        let count = Int(fields.load(fromByteOffset: 12, as: UInt32.self))
        guard recordSize == 12 else { return nil }
        return (0..<count).map { index in
            // A record: flags (0x2: declared `var`), mangled type name, field name (relative pointers).
            let record = fields + 16 + recordSize * index
            let nameOffset = record.load(fromByteOffset: 8, as: Int32.self)
            let name = String(cString: (record + 8 + Int(nameOffset)).assumingMemoryBound(to: CChar.self))
            return (name, record.load(as: UInt32.self) & 0x2 != 0)
        }
    }
}
