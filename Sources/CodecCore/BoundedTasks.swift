/// Work over many items with at most `workers` child tasks at once (a bounded task group), so
/// memory holds at most `workers` results in flight whatever the number of items. Each item's
/// work runs on a thread of its own (``DedicatedThread``): it may block (a read from S3 and its
/// retries), and on the cooperative pool, one thread per core, `workers` items would be at work
/// only up to the number of cores.
public enum BoundedTasks {
    /// Calls `body` on every element of `items`, up to `workers` at a time, and hands the
    /// results to `deliver` in the order of `items` as soon as each and all before it are done.
    public static func forEachInOrder<Item: Sendable, Result: Sendable>(
        _ items: [Item], workers: Int, _ body: @escaping @Sendable (Item) throws(CodecError) -> Result,
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
                    group.addTask { (index, try await DedicatedThread.run { () throws(CodecError) in try body(items[index]) }) }
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
        _ items: [Item], workers: Int, _ body: @escaping @Sendable (Item) throws(CodecError) -> Result
    ) async throws(CodecError) -> [Result] {
        var results: [Result] = []
        results.reserveCapacity(items.count)
        try await forEachInOrder(items, workers: workers, body) { _, result in results.append(result) }
        return results
    }
}
