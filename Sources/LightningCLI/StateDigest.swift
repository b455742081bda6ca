import LightningCodecs
import LightningState

/// A digest of an app's state, for the example apps whose runs, interrupted or not, must end in
/// the same state: FNV-1a over the canonical JSON (keys sorted) of every component's vars and the
/// shape of the tree. Calls are left out (they hold wall-clock times), and so is the
/// checkpoint metadata.
package enum StateDigest {
    /// The digest of `checkpoint`, as 16 hex digits.
    package static func of(_ checkpoint: StateValue) -> String {
        let text = JSONWriter.write(withoutCalls(checkpoint, top: true), options: .canonical)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func withoutCalls(_ value: StateValue, top: Bool = false) -> StateValue {
        guard case .object(var members) = value else { return value }
        members["calls"] = nil
        if top { members["swift_lightning"] = nil }
        for (key, member) in members { members[key] = withoutCalls(member) }
        return .object(members)
    }
}
