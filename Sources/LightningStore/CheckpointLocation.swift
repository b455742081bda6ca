import LightningCodecs
import LightningState

/// One checkpoint object: a key in a storage, such as `checkpoints/lightningapp_checkpoint_1665501626.lsnap`
/// in the app's storage, or a file given by its path.
public struct CheckpointLocation: Sendable, CustomStringConvertible {
    /// The storage that holds the object, and where a delta's parents are looked for.
    public let storage: any CheckpointStorage
    /// The object's key in ``storage``.
    public let key: String

    /// The object at `key` in `storage`.
    public init(storage: any CheckpointStorage, key: String) {
        self.storage = storage
        self.key = key
    }

    /// The object as messages name it: a file path, or an object URL.
    public var description: String { storage.location(of: key) }

    /// The object named `fileName` in the same folder.
    func sibling(_ fileName: String) -> CheckpointLocation {
        CheckpointLocation(storage: storage, key: StorageKey.join(StorageKey.split(key).folder, fileName))
    }

    /// Reads the checkpoint, of either format (told apart by content), and checks its layout.
    /// - Throws: ``CheckpointStoreError`` naming the object, and the line and column or the component path.
    public func load() throws(CheckpointStoreError) -> StateValue {
        let state = try read()
        do {
            try CheckpointLayout.validate(state)
        } catch {
            throw .layout(error, in: description)
        }
        return state
    }

    /// Reads the checkpoint, JSON or binary snapshot (with its parents, for a delta), without
    /// checking its layout.
    public func read() throws(CheckpointStoreError) -> StateValue {
        try CheckpointCodec.decode(try storage.read(key), at: self)
    }
}
