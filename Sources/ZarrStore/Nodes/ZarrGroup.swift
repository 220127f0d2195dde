/// A Zarr v3 group: a node with attributes whose children are groups and arrays.
public struct ZarrGroup: Sendable {
    /// The store holding the group.
    public let store: any ZarrStorage
    /// The group's path in the store ("" for the root).
    public let path: String
    /// The group's attributes as last read or written.
    public private(set) var attributes: [String: JSONValue]

    /// What kind of node a child is.
    public enum NodeKind: String, Sendable {
        case group, array
    }

    private init(store: any ZarrStorage, path: String, attributes: [String: JSONValue]) {
        self.store = store
        self.path = path
        self.attributes = attributes
    }

    /// Creates a group at `path` (creating missing parent groups unless `parents` is false: a
    /// group kept under a folder that is no Zarr node), or opens it if it exists and
    /// `existingOK` is true.
    /// - Throws: ``ZarrError/Code/nodeExists`` when a node exists there (an array, or a group
    ///   when `existingOK` is false).
    public static func create(
        in store: any ZarrStorage, at path: String = "", attributes: [String: JSONValue] = [:], existingOK: Bool = false, parents: Bool = true
    ) throws(ZarrError) -> ZarrGroup {
        switch try NodeDocument.load(from: store, path: path) {
        case .group(let existing) where existingOK:
            return ZarrGroup(store: store, path: path, attributes: existing)
        case .some:
            throw ZarrError(.nodeExists, "a node already exists at '\(path)'", key: NodeDocument.metadataKey(path))
        case nil:
            if parents { try createParents(of: path, in: store) }
            try store.set(NodeDocument.metadataKey(path), NodeDocument.groupJSON(attributes: attributes).serialized())
            return ZarrGroup(store: store, path: path, attributes: attributes)
        }
    }

    /// Opens the group at `path`.
    /// - Throws: ``ZarrError/Code/nodeNotFound`` or ``ZarrError/Code/wrongNodeType``.
    public static func open(in store: any ZarrStorage, at path: String = "") throws(ZarrError) -> ZarrGroup {
        switch try NodeDocument.load(from: store, path: path) {
        case .group(let attributes): return ZarrGroup(store: store, path: path, attributes: attributes)
        case .array: throw ZarrError(.wrongNodeType, "'\(path)' is an array, not a group", key: NodeDocument.metadataKey(path))
        case nil: throw ZarrError(.nodeNotFound, "no group at '\(path)'", key: NodeDocument.metadataKey(path))
        }
    }

    /// Makes every missing ancestor of `path` below `top` a group (`top` itself and those above
    /// it are left alone, "" included when `top` is nil); an ancestor that is an array is an error.
    /// A child created through a group object passes the group's path as `top`, so that a group
    /// deleted meanwhile (by another process) is never created again as an empty one.
    private static func createParents(of path: String, in store: any ZarrStorage, below top: String? = nil) throws(ZarrError) {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count > 0 else { return }
        var ancestor = ""
        for part in [""] + parts.dropLast() {
            ancestor = part.isEmpty ? "" : (ancestor.isEmpty ? part : ancestor + "/" + part)
            if let top, top == ancestor || !ancestor.hasPrefix(top.isEmpty ? "" : top + "/") { continue }
            switch try NodeDocument.load(from: store, path: ancestor) {
            case .group: continue
            case .array: throw ZarrError(.wrongNodeType, "cannot create a node below array '\(ancestor)'")
            case nil: try store.set(NodeDocument.metadataKey(ancestor), NodeDocument.groupJSON(attributes: [:]).serialized())
            }
        }
    }

    // MARK: Children

    /// Creates a child group `name` (which may be a nested path like "a/b").
    public func createGroup(_ name: String, attributes: [String: JSONValue] = [:]) throws(ZarrError) -> ZarrGroup {
        try ZarrGroup.create(in: store, at: try NodePath.join(path, name), attributes: attributes)
    }

    /// Creates a child array `name` described by `metadata`. Its chunks start out absent, so
    /// every element reads as the fill value until written.
    /// - Throws: ``ZarrError/Code/nodeExists`` when a node is already there, or the metadata's
    ///   problem (for example a codec this implementation does not provide).
    public func createArray(_ name: String, metadata: ArrayMetadata) throws(ZarrError) -> ZarrArray {
        let childPath = try NodePath.join(path, name)
        if try NodeDocument.load(from: store, path: childPath) != nil {
            throw ZarrError(.nodeExists, "a node already exists at '\(childPath)'", key: NodeDocument.metadataKey(childPath))
        }
        let array = try ZarrArray(metadata: metadata, path: childPath, reader: store, writer: store)
        try ZarrGroup.createParents(of: childPath, in: store, below: path)
        try array.storeMetadata()
        return array
    }

    /// The child group `name`.
    public func group(_ name: String) throws(ZarrError) -> ZarrGroup {
        try ZarrGroup.open(in: store, at: try NodePath.join(path, name))
    }

    /// The child array `name`, readable and writable.
    public func array(_ name: String) throws(ZarrError) -> ZarrArray {
        try ZarrArray.open(in: store, at: try NodePath.join(path, name))
    }

    /// The direct children (groups and arrays), sorted by name.
    public func children() throws(ZarrError) -> [(name: String, kind: NodeKind)] {
        var result: [(name: String, kind: NodeKind)] = []
        for name in try store.listDirectory(path) where name != "zarr.json" {
            switch try NodeDocument.load(from: store, path: try NodePath.join(path, name)) {
            case .group: result.append((name, .group))
            case .array: result.append((name, .array))
            case nil: continue
            }
        }
        return result
    }

    /// Deletes the child `name` and everything below it. The metadata goes first, so an
    /// interrupted delete leaves no node that appears to exist.
    public func deleteChild(_ name: String) throws(ZarrError) {
        let childPath = try NodePath.join(path, name)
        try store.erase(NodeDocument.metadataKey(childPath))
        try store.erasePrefix(childPath)
    }

    /// The most rounds ``changeAttributes(_:)`` reads and writes before it gives up.
    static let maximumChangeRounds = 20

    /// Changes the group's attributes as they are stored now, not as last read: `change` gets
    /// the stored attributes and returns the new ones, or nil when they already say what it wants.
    ///
    /// On a ``ConditionalStore`` the write is a compare-and-swap, repeated with a fresh read when
    /// another writer came between or when a write's outcome is unknown (an I/O error after the
    /// request may have arrived): `change` must then recognise its own change in what it reads
    /// (return nil), which makes a lost response harmless. On other stores the caller keeps
    /// other writers out (the archive lock). The group is never created again once gone.
    /// - Throws: ``ZarrError/Code/nodeNotFound`` when no group is there (any more), or
    ///   ``ZarrError/Code/io`` when other writers kept changing it.
    public mutating func changeAttributes(_ change: ([String: JSONValue]) -> [String: JSONValue]?) throws(ZarrError) {
        let key = NodeDocument.metadataKey(path)
        guard let conditional = store as? any ConditionalStore else {
            let current = try Self.storedAttributes(try store.get(key), key: key)
            if let changed = change(current) { try setAttributes(changed) } else { attributes = current }
            return
        }
        var lastProblem: ZarrError?
        for _ in 0..<Self.maximumChangeRounds {
            let stored = try conditional.getWithETag(key)
            let current = try Self.storedAttributes(stored?.bytes, key: key)
            guard let changed = change(current), let etag = stored?.etag else {
                attributes = current
                return
            }
            do {
                if try conditional.replace(key, NodeDocument.groupJSON(attributes: changed).serialized(), ifMatch: etag) {
                    attributes = changed
                    return
                }
            } catch where error.code == .io {
                lastProblem = error  // The outcome is unknown: the next round reads it back.
            }
        }
        throw ZarrError(.io, "the group's attributes kept changing under the update\(lastProblem.map { ": \($0.message)" } ?? "")", key: key)
    }

    /// The attributes of the group document `bytes` read at `key`.
    private static func storedAttributes(_ bytes: [UInt8]?, key: String) throws(ZarrError) -> [String: JSONValue] {
        switch try bytes.map({ bytes throws(ZarrError) in try NodeDocument.parse(bytes, key: key) }) {
        case .group(let attributes)?: return attributes
        case .array?: throw ZarrError(.wrongNodeType, "'\(key)' is an array, not a group", key: key)
        case nil: throw ZarrError(.nodeNotFound, "no group at '\(key)' (any more)", key: key)
        }
    }

    /// Replaces the group's attributes.
    public mutating func setAttributes(_ attributes: [String: JSONValue]) throws(ZarrError) {
        try store.set(NodeDocument.metadataKey(path), NodeDocument.groupJSON(attributes: attributes).serialized())
        self.attributes = attributes
    }
}
