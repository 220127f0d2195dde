import Dispatch
import Synchronization
import ZarrStore

/// Stores a blob's shards on threads of its own while the encoder goes on: at most `limit`
/// stores in flight (so memory holds at most `limit` shards), the first failure kept and thrown
/// by the next ``submit(_:)`` or by ``drain()``. On object storage a shard's PUT then overlaps
/// the encoding of the next shard; on a filesystem its write and fsync do.
///
/// The caller's thread waits only when `limit` stores are in flight, as it would wait for one
/// store done inline.
final class ChunkUploads: Sendable {
    private let queue = DispatchQueue(label: "zarrwlr.blob-uploads", attributes: .concurrent)
    private let slots: DispatchSemaphore
    private let running = DispatchGroup()
    private let failure = Mutex<ZarrError?>(nil)

    init(limit: Int) {
        slots = DispatchSemaphore(value: max(1, limit))
    }

    /// Runs `store` on an upload thread once a slot is free.
    /// - Throws: the failure of an earlier store.
    func submit(_ store: @escaping @Sendable () throws(ZarrError) -> Void) throws(ZarrError) {
        try rethrowFailure()
        slots.wait()
        running.enter()
        queue.async { [self] in
            defer {
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
