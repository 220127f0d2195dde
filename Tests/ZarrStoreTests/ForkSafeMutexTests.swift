#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import ZarrStore

/// A lock keeps working in a forked child: what a data loader's forked worker does when it reads
/// with several threads.
@Suite struct ForkSafeMutexTests {
    /// The child's first thread (the forking one, which locked before the fork) holds the lock
    /// while a second thread of the child waits for it; the hand-over must neither stop the
    /// child nor hang it, and both changes must land. (`Synchronization.Mutex` fails this: the
    /// child's first thread names its parent's thread id as owner, and the waiting thread's
    /// futex call stops the child with SIGILL.)
    /// (No time limit: the wait for the child is bounded, and under load the test waits longer
    /// for a thread of the task pool to resume it than a limit would allow.)
    @Test func aLockHeldByAForkedChildsFirstThreadPassesToAnotherOfItsThreads() async {
        let status = await withCheckedContinuation { (done: CheckedContinuation<Int32, Never>) in
            // Fork and wait on a thread of its own: waitpid blocks, and a fork from a thread
            // of the task pool would copy a pool thread.
            Thread.detachNewThread { done.resume(returning: Self.forkAndHandOver()) }
        }
        #expect(status == 0, "the child ended with wait status \(status) (0: both changes landed)")
    }

    /// A process-wide lock that another thread holds when a thread forks: the fork waits until
    /// it is let go, so the child can take it. (Without `heldAcrossFork` the child finds it held
    /// by a thread it does not have and waits forever: the parent kills it after 20 s.)
    @Test func aForkWaitsForAProcessWideLockSoTheChildCanTakeIt() async {
        let status = await withCheckedContinuation { (done: CheckedContinuation<Int32, Never>) in
            Thread.detachNewThread { done.resume(returning: Self.forkWhileAnotherThreadHolds()) }
        }
        #expect(status == 0, "the child ended with wait status \(status) (-2: it hung, killed)")
    }

    private static let processWide = ForkSafeMutex(heldAcrossFork: 0)

    private static func forkWhileAnotherThreadHolds() -> Int32 {
        let holding = Atomic<Bool>(false)
        let holder = Thread {
            processWide.withLock { value in
                holding.store(true, ordering: .releasing)
                usleep(200_000)  // the fork below is asked for while this thread holds the lock
                value += 1
            }
        }
        holder.start()
        while !holding.load(ordering: .acquiring) { sched_yield() }
        let child = fork()
        if child == 0 { _exit(processWide.withLock { $0 } == 1 ? 0 : 4) }
        return waitForChild(child, seconds: 20)
    }

    /// The child's wait status, or -2 after killing a child still running after `seconds`.
    private static func waitForChild(_ child: pid_t, seconds: Int) -> Int32 {
        guard child > 0 else { return -1 }
        var status: Int32 = 0
        for _ in 0..<(seconds * 100) {
            if waitpid(child, &status, WNOHANG) == child { return status }
            usleep(10_000)
        }
        kill(child, SIGKILL)
        waitpid(child, &status, 0)
        return -2
    }

    /// Every lock of the library is a ``ForkSafeMutex``: no source file makes a
    /// `Synchronization.Mutex` (a `Mutex(` or `Mutex<` not part of a longer name).
    @Test func theLibraryMakesNoSynchronizationMutex() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path))
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 100, "the sources were not found at \(sources.path)")
        let offenders = try files.filter { file in
            let text = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
            return text.ranges(of: "Mutex").contains { found in
                let before = found.lowerBound > text.startIndex ? text[text.index(before: found.lowerBound)] : " "
                let after = found.upperBound < text.endIndex ? text[found.upperBound] : " "
                return !(before.isLetter || before.isNumber || before == "_") && (after == "<" || after == "(")
            }
        }
        #expect(offenders.isEmpty, "Synchronization.Mutex made in \(offenders)")
    }

    /// What the child does, then its wait status as `waitpid` gives it (after at most 30 s).
    private static func forkAndHandOver() -> Int32 {
        let lock = ForkSafeMutex(0)
        lock.withLock { $0 += 1 }  // the forking thread has locked before the fork
        // Made before the fork: the child of a process of many threads allocates as little as it
        // can (a runtime lock another thread held at the fork would stay held in the child).
        let handOver = HandOver(lock: lock)
        let child = fork()
        if child == 0 {
            var waiter = pthread_t()
            let context = Unmanaged.passRetained(handOver).toOpaque()
            lock.withLock { value in
                guard pthread_create(&waiter, nil, { context in
                    guard let context else { return nil }
                    let handOver = Unmanaged<HandOver>.fromOpaque(context).takeRetainedValue()
                    handOver.waiterStarted.store(true, ordering: .releasing)
                    handOver.lock.withLock { $0 += 1 }
                    return nil
                }, context) == 0 else { _exit(3) }
                while !handOver.waiterStarted.load(ordering: .acquiring) { sched_yield() }
                usleep(50_000)  // the waiter is now waiting for the lock this thread holds
                value += 1
            }
            pthread_join(waiter, nil)
            _exit(lock.withLock { $0 } == 3 ? 0 : 4)
        }
        return waitForChild(child, seconds: 30)
    }

    private final class HandOver: Sendable {
        let lock: ForkSafeMutex<Int>
        let waiterStarted = Atomic<Bool>(false)
        init(lock: ForkSafeMutex<Int>) { self.lock = lock }
    }
}
