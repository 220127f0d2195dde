
/// A store held in memory, for tests and temporary work. Safe to share between tasks.
public final class MemoryStore: ZarrStorage {
    private let values = ForkSafeMutex<[String: [UInt8]]>([:])

    /// An empty store.
    public init() {}

    public func get(_ key: String, range: ByteRange?) throws(ZarrError) -> [UInt8]? {
        values.withLock { values in
            guard let value = values[key] else { return nil }
            guard let range else { return value }
            return Array(value[range.resolved(totalLength: value.count)])
        }
    }

    public func size(of key: String) throws(ZarrError) -> Int? {
        values.withLock { $0[key]?.count }
    }

    public func set(_ key: String, _ bytes: [UInt8]) throws(ZarrError) {
        values.withLock { $0[key] = bytes }
    }

    public func erase(_ key: String) throws(ZarrError) {
        _ = values.withLock { $0.removeValue(forKey: key) }
    }

    public func erasePrefix(_ prefix: String) throws(ZarrError) {
        values.withLock { values in
            if prefix.isEmpty { values.removeAll(); return }
            for key in values.keys where key == prefix || key.hasPrefix(prefix + "/") {
                values.removeValue(forKey: key)
            }
        }
    }

    public func listDirectory(_ prefix: String) throws(ZarrError) -> [String] {
        let lead = prefix.isEmpty ? "" : prefix + "/"
        let names = values.withLock { values in
            Set(values.keys.compactMap { key -> String? in
                guard key.hasPrefix(lead), key.count > lead.count else { return nil }
                return key.dropFirst(lead.count).split(separator: "/", maxSplits: 1).first.map(String.init)
            })
        }
        return names.sorted()
    }
}
