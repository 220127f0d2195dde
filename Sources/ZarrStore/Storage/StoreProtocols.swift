/// A store that can read values: the one capability every array read needs.
///
/// Keys are "/"-separated paths without a leading "/" ("group/array/zarr.json").
/// A missing key is `nil`, never an error.
public protocol ReadableStore: Sendable {
    /// The bytes of `range` of the value at `key`, or `nil` when there is no such key.
    func get(_ key: String, range: ByteRange?) throws(ZarrError) -> [UInt8]?

    /// The size in bytes of the value at `key`, or `nil` when there is no such key.
    func size(of key: String) throws(ZarrError) -> Int?

    /// Reads `buffer.count` bytes of the value at `key`, starting at `offset`, into `buffer`;
    /// `false` when there is no such key.
    /// - Throws: ``ZarrError/Code/corruptChunk`` when the value ends before the buffer is full.
    func read(_ key: String, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ZarrError) -> Bool

    /// Whether every read is a network round trip (object storage): readers then keep many
    /// reads in flight on threads of their own, and prefer a few large reads to many small ones.
    var readsAreRoundTrips: Bool { get }
}

extension ReadableStore {
    /// Local storage: reads are not round trips.
    public var readsAreRoundTrips: Bool { false }

    /// The whole value at `key`, or `nil` when there is no such key.
    public func get(_ key: String) throws(ZarrError) -> [UInt8]? {
        try get(key, range: nil)
    }

    /// Reads through ``get(_:range:)`` and copies; stores that can read in place override it.
    public func read(_ key: String, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ZarrError) -> Bool {
        guard let bytes = try get(key, range: .bounded(offset: offset, length: buffer.count)) else { return false }
        guard bytes.count == buffer.count else {
            throw ZarrError(.corruptChunk, "value ends at byte \(offset + bytes.count), \(offset + buffer.count) needed", key: key)
        }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return true
    }

    /// Whether a value is stored at `key`.
    public func exists(_ key: String) throws(ZarrError) -> Bool {
        try size(of: key) != nil
    }
}

/// A store that can create, replace and delete values.
public protocol WritableStore: Sendable {
    /// Stores `bytes` at `key` atomically: a reader sees the old value or the new one, never a mix.
    func set(_ key: String, _ bytes: [UInt8]) throws(ZarrError)

    /// Removes the value at `key`; removing a missing key does nothing.
    func erase(_ key: String) throws(ZarrError)

    /// Removes every value whose key starts with `prefix` followed by "/" (a whole node subtree)
    /// and the value at `prefix` itself.
    func erasePrefix(_ prefix: String) throws(ZarrError)
}

/// A store whose keys can be listed.
public protocol ListableStore: Sendable {
    /// The names directly below `prefix` (keys and "directories"), sorted; `""` lists the root.
    func listDirectory(_ prefix: String) throws(ZarrError) -> [String]
}

/// Everything the node API needs to create and read groups and arrays.
public typealias ZarrStorage = ReadableStore & WritableStore & ListableStore

/// A store that can replace a value only while it is unchanged since it was read
/// (compare-and-swap), so that writers on several machines never undo each other's changes.
public protocol ConditionalStore: ZarrStorage {
    /// The value at `key` with a tag that changes whenever the value does, or nil.
    func getWithETag(_ key: String) throws(ZarrError) -> (bytes: [UInt8], etag: String)?

    /// Writes `bytes` at `key` only if its tag is still `etag`; false when it changed or vanished.
    func replace(_ key: String, _ bytes: [UInt8], ifMatch etag: String) throws(ZarrError) -> Bool
}
