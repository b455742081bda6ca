import LightningState

extension [StateString] {
    /// This path extended by up to four keys, in one allocation: a delta's paths are built for
    /// every change, and growing them piece by piece, or copying them through the runtime's
    /// generic array copy, costs more than the change itself.
    func appending(_ first: StateString, _ second: StateString? = nil, _ third: StateString? = nil, _ fourth: StateString? = nil) -> [StateString] {
        var path: [StateString] = []
        path.reserveCapacity(count + 4)
        // Element by element, so that the compiler copies each key inline.
        for key in self { path.append(key) }
        path.append(first)
        if let second { path.append(second) }
        if let third { path.append(third) }
        if let fourth { path.append(fourth) }
        return path
    }
}
