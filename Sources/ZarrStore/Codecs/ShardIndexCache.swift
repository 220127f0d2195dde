
/// Shard indexes already read, by shard key: a reader of an array that no longer changes (a
/// committed recording's blob) reads each shard's size and index once, so that on object storage
/// an extraction costs one ranged GET of the bytes it needs. Safe to share between tasks.
public final class ShardIndexCache: Sendable {
    struct Entry: Sendable {
        let shardSize: Int
        let entries: [Range<Int>?]
    }

    private let entries = ForkSafeMutex<[String: Entry]>([:])
    /// Indexes kept at most (each is 16 bytes per inner chunk: 512 B for an 8 MiB blob shard).
    private let capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func entry(_ key: String) -> Entry? {
        entries.withLock { $0[key] }
    }

    func store(_ entry: Entry, for key: String) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
    }
}
