/// Work over many items with at most `workers` child tasks at once (a bounded task group), so
/// memory holds at most `workers` results in flight whatever the number of items.
public enum BoundedTasks {
    /// Where each item's work runs.
    public enum Placement: Sendable {
        /// On the cooperative pool (one thread per core): work that computes, such as decoding
        /// from a local file.
        case pool
        /// On a thread of its own per item (``DedicatedThread``, about 75 us to start): work that
        /// waits, such as a read from S3 and its retries, so that `workers` items are at work
        /// whatever the number of cores.
        case threadPerItem

        /// Threads of their own for work that reads a store whose reads are round trips
        /// (``ZarrStore/ReadableStore/readsAreRoundTrips``), the pool otherwise.
        public init(readsAreRoundTrips: Bool) {
            self = readsAreRoundTrips ? .threadPerItem : .pool
        }
    }

    /// Calls `body` on every element of `items`, up to `workers` at a time, and hands the
    /// results to `deliver` in the order of `items` as soon as each and all before it are done.
    public static func forEachInOrder<Item: Sendable, Result: Sendable>(
        _ items: [Item], workers: Int, placement: Placement = .pool, _ body: @escaping @Sendable (Item) throws(CodecError) -> Result,
        deliver: (Int, Result) throws(CodecError) -> Void
    ) async throws(CodecError) {
        let limit = max(workers, 1)
        do {
            try await withThrowingTaskGroup(of: (Int, Result).self) { group in
                var next = 0, delivered = 0
                var done: [Int: Result] = [:]
                func startOne() {
                    let index = next
                    next += 1
                    switch placement {
                    case .pool: group.addTask { (index, try body(items[index])) }
                    case .threadPerItem: group.addTask { (index, try await DedicatedThread.run { () throws(CodecError) in try body(items[index]) }) }
                    }
                }
                while next < min(limit, items.count) { startOne() }
                while let (index, result) = try await group.next() {
                    done[index] = result
                    while let ready = done.removeValue(forKey: delivered) {
                        try deliver(delivered, ready)
                        delivered += 1
                    }
                    // At most `limit` results waiting or in flight.
                    while next < items.count && next - delivered < limit { startOne() }
                }
            }
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError(.library, "parallel work failed: \(error)", underlying: SendableDescription(error))
        }
    }

    /// `body` applied to every element of `items`, up to `workers` at a time, in order.
    public static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], workers: Int, placement: Placement = .pool, _ body: @escaping @Sendable (Item) throws(CodecError) -> Result
    ) async throws(CodecError) -> [Result] {
        var results: [Result] = []
        results.reserveCapacity(items.count)
        try await forEachInOrder(items, workers: workers, placement: placement, body) { _, result in results.append(result) }
        return results
    }
}
