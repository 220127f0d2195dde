import Dispatch
import ZarrStore

/// Stores a blob's shards on threads of its own while the encoder goes on: at most `limit`
/// stores in flight (so memory holds at most `limit` shards), the first failure kept and thrown
/// by the next ``submit(_:)`` or by ``drain()``. On object storage a shard's PUT then overlaps
/// the encoding of the next shard; on a filesystem its write and fsync do.
///
/// The caller's thread waits only when `limit` stores are in flight, as it would wait for one
/// store done inline. Each store runs on an idle one of `limit` serial queues: libdispatch gives
/// a serial queue a thread whenever it has work, where a concurrent queue shares the pool of
/// the global queues with Swift's tasks; with as many imports blocked on their uploads as there
/// are cores (`--jobs 2` on two cores), that pool had no thread left, and the uploads waited
/// about a second for libdispatch to notice and add one.
final class ChunkUploads: Sendable {
    private let queues: [DispatchQueue]
    /// The queues with no store running, taken by ``submit(_:)``.
    private let idle: ForkSafeMutex<[Int]>
    private let slots: DispatchSemaphore
    private let running = DispatchGroup()
    private let failure = ForkSafeMutex<ZarrError?>(nil)

    init(limit: Int) {
        let count = max(1, limit)
        queues = (0..<count).map { DispatchQueue(label: "zarrwlr.blob-upload-\($0)") }
        idle = ForkSafeMutex(Array(0..<count))
        slots = DispatchSemaphore(value: count)
    }

    /// Runs `store` on an upload thread once a slot is free.
    /// - Throws: the failure of an earlier store.
    func submit(_ store: @escaping @Sendable () throws(ZarrError) -> Void) throws(ZarrError) {
        try rethrowFailure()
        slots.wait()
        // A slot is free, so a queue is: each store gives its queue back before its slot.
        guard let queue = idle.withLock({ $0.popLast() }) else { preconditionFailure("a free upload slot without an idle queue") }
        running.enter()
        queues[queue].async { [self] in
            defer {
                idle.withLock { $0.append(queue) }
                slots.signal()
                running.leave()
            }
            do throws(ZarrError) { try store() } catch { failure.withLock { $0 = $0 ?? error } }
        }
    }

    /// Waits for every store submitted.
    /// - Throws: the first store's failure.
    func drain() throws(ZarrError) {
        running.wait()
        try rethrowFailure()
    }

    private func rethrowFailure() throws(ZarrError) {
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
