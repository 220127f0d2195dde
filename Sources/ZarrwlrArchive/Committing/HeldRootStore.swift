import ZarrStore

/// A view of an object store in which one key, a recording group's `zarr.json`, is held in
/// memory instead of written: an import on object storage writes its arrays in place under the
/// recording's id, where nothing lists them as a recording until that one key exists, and the
/// commit writes it last with create-if-absent. Everything else goes straight to `base`.
final class HeldRootStore: ZarrStorage {
    let base: any ZarrStorage
    let heldKey: String
    private let held = ForkSafeMutex<[UInt8]?>(nil)

    init(base: any ZarrStorage, heldKey: String) {
        self.base = base
        self.heldKey = heldKey
    }

    /// The held value (the recording's group metadata as last written).
    var heldValue: [UInt8]? { held.withLock { $0 } }

    func get(_ key: String, range: ByteRange?) throws(ZarrError) -> [UInt8]? {
        guard key == heldKey else { return try base.get(key, range: range) }
        return held.withLock { value in value.map { bytes in range.map { Array(bytes[$0.resolved(totalLength: bytes.count)]) } ?? bytes } }
    }

    func size(of key: String) throws(ZarrError) -> Int? {
        key == heldKey ? held.withLock { $0?.count } : try base.size(of: key)
    }

    func set(_ key: String, _ bytes: [UInt8]) throws(ZarrError) {
        if key == heldKey { held.withLock { $0 = bytes } } else { try base.set(key, bytes) }
    }

    func erase(_ key: String) throws(ZarrError) {
        if key == heldKey { held.withLock { $0 = nil } } else { try base.erase(key) }
    }

    func erasePrefix(_ prefix: String) throws(ZarrError) {
        if heldKey == prefix || heldKey.hasPrefix(prefix + "/") { held.withLock { $0 = nil } }
        try base.erasePrefix(prefix)
    }

    func listDirectory(_ prefix: String) throws(ZarrError) -> [String] {
        var names = try base.listDirectory(prefix)
        let parent = heldKey.split(separator: "/").dropLast().joined(separator: "/")
        if prefix == parent, heldValue != nil, let name = heldKey.split(separator: "/").last.map(String.init), !names.contains(name) {
            names.append(name)
            names.sort()
        }
        return names
    }
}
