import Synchronization

/// How far an import has read its source, in bytes of the source file: updated by whoever reads
/// it (a 1:1 copy, a PCM reader) and read by a progress display on another thread.
public final class ReadProgress: Sendable {
    private let bytes = Atomic<Int64>(0)

    public init() {}

    /// Adds `count` bytes read.
    public func add(_ count: Int64) {
        bytes.add(count, ordering: .relaxed)
    }

    /// Bytes read so far.
    public var value: Int64 { bytes.load(ordering: .relaxed) }
}
