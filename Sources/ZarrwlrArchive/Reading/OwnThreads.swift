import CodecCore
import Foundation
import Synchronization
import ZarrStore

/// A parallel loop on threads of its own, not on Swift concurrency's pool: usable from any
/// caller (a C or Python thread that blocks until it is done) and in a process forked from one
/// that used the pool, where the pool's threads no longer exist (only the forking thread is
/// copied) and work queued for them would never run.
public enum OwnThreads {
    /// The most threads one loop starts, whatever its caller asks for (a Python caller's
    /// `workers=100000` must not start a thread per range).
    public static let maximumThreads = 256

    /// Runs `body(k)` for every k in `0..<count` on up to `workers` threads (the calling thread
    /// one of them; at most ``maximumThreads``) and returns when all are done; the first error
    /// wins and stops the rest from starting more work. Threads the system does not make (its
    /// limit reached) leave their share to those that run.
    /// - Parameter starter: how a thread is started (a stand-in in tests).
    public static func forEach(
        _ count: Int, workers: Int, starter: ThreadStart.Starter = ThreadStart.detached, _ body: @escaping @Sendable (Int) throws(CodecError) -> Void
    ) throws(CodecError) {
        let next = Atomic<Int>(0)
        let failure = ForkSafeMutex<CodecError?>(nil)
        let work: @Sendable () -> Void = {
            while failure.withLock({ $0 == nil }) {
                let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard k < count else { return }
                do throws(CodecError) { try body(k) } catch { failure.withLock { $0 = $0 ?? error } }
            }
        }
        let helpers = max(0, min(workers, count, maximumThreads) - 1)
        let finished = NSCondition()
        let running = ForkSafeMutex(0)
        for _ in 0..<helpers {
            running.withLock { $0 += 1 }
            let started = starter {
                work()
                finished.lock()
                running.withLock { $0 -= 1 }
                finished.signal()
                finished.unlock()
            }
            guard started else {
                running.withLock { $0 -= 1 }
                break
            }
        }
        work()
        finished.lock()
        while running.withLock({ $0 }) > 0 { finished.wait() }
        finished.unlock()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
