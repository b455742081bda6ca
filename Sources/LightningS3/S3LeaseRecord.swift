import LightningStore

/// The body of the lease object: `process 4242 on host node-7; token 3f…; expires 1795728031`.
///
/// The token is unique to one app's hold on the lease: reading the lease back and finding its own
/// token is how an app tells its own write, whose answer was lost, from another app's.
struct S3LeaseRecord: Hashable {
    /// Who holds it, as messages name it: `process 4242 on host node-7`.
    var holder: String
    /// The holder's token; `nil` in a lease written by a build before tokens.
    var token: String?
    /// Unix seconds after which another app may take it over.
    var expiry: Int

    /// A record expiring at `expiry` Unix seconds, rounded up to a whole second.
    init(holder: String, token: String, expiry: Double) {
        self.holder = holder
        self.token = token
        self.expiry = Int(exactly: expiry.rounded(.up)) ?? Int.max
    }

    /// Parses a lease body; an unreadable one has expired (so it can be taken over) and no token.
    init(_ body: [UInt8]) {
        let fields = String(decoding: body, as: UTF8.self).components(separatedBy: "; ")
        holder = fields.first.flatMap { $0.isEmpty ? nil : $0 } ?? "another app"
        token = fields.first { $0.hasPrefix("token ") }.map { String($0.dropFirst("token ".count)) }
        expiry = fields.first { $0.hasPrefix("expires ") }.flatMap { Int($0.dropFirst("expires ".count)) } ?? 0
    }

    /// The body to write.
    var body: [UInt8] {
        Array("\(holder); token \(token ?? ""); expires \(expiry)".utf8)
    }
}
