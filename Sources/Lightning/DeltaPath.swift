import LightningState

extension [StateString] {
    /// This path extended by `keys`, in one allocation: a delta's paths are built for every change,
    /// and growing them piece by piece costs more than the change itself.
    func appending(_ keys: StateString...) -> [StateString] {
        var path: [StateString] = []
        path.reserveCapacity(count + keys.count)
        path.append(contentsOf: self)
        path.append(contentsOf: keys)
        return path
    }
}
