#if canImport(Glibc)
import Glibc
#endif
import CodecCore
import Dispatch
import Foundation
import Synchronization
import Testing
import TestSupport
import ZarrwlrArchive

/// Work that blocks runs on threads of its own, not on the threads that run tasks: an import's
/// blocking steps (hashing, the store's requests and their retries, fsync, the wait for the
/// archive lock), and each item of parallel work that waits (`BoundedTasks.Placement
/// .threadPerItem`: `extract`'s ranges from S3), so that `workers` items are at work whatever the
/// number of cores.
@Suite struct CooperativePoolTests {
    /// Runs the test's tasks one job at a time on a serial queue, like a cooperative pool one
    /// thread wide and apart from the one other tests share: a job that blocks holds it all.
    private final class OneThreadExecutor: TaskExecutor {
        private let queue = DispatchQueue(label: "one-thread-executor")

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let executor = asUnownedTaskExecutor()
            queue.async { job.runSynchronously(on: executor) }
        }
    }

    @Test(.timeLimit(.minutes(10))) func importsWaitingForTheArchiveLockLeaveThePoolFree() async throws {
        let folder = TemporaryFolder()
        let count = 6
        let files = try TestAudio.tones(count, in: folder.path, seconds: 0.2, frequency: 300, step: 37)
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        try FileManager.default.createDirectory(atPath: folder.path + "/a.zarr/.zarrwlr", withIntermediateDirectories: true)
        let lock = open(folder.path + "/a.zarr/.zarrwlr/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(lock >= 0 && flock(lock, LOCK_EX) == 0)
        defer { close(lock) }
        let reachedCommit = Shared(0), released = Shared(false)
        @Sendable func release() -> Bool {
            let first = !released.value.withLock { was in defer { was = true }; return was }
            if first { flock(lock, LOCK_UN) }
            return first
        }
        // Should the executor be held after all, the lock is let go at last, so the test ends (and fails).
        let watchdog = Thread {
            Thread.sleep(forTimeInterval: 240)
            _ = release()
        }
        watchdog.start()
        let (releasedByTest, imported) = await withTaskExecutorPreference(OneThreadExecutor()) {
            async let imported = withTaskGroup(of: Bool.self) { group in
                for file in files {
                    group.addTask {
                        let outcome = try? await archive.importFile(file, beforeCommit: { reachedCommit.value.withLock { $0 += 1 } })
                        if case .imported = outcome { return true }
                        return false
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            // Runs on the same executor: it sees every import at its commit only while none holds it.
            while reachedCommit.value.withLock({ $0 }) < count {
                try? await Task.sleep(for: .milliseconds(10))
            }
            try? await Task.sleep(for: .milliseconds(50))  // and the last one in its wait for the lock
            return (release(), await imported)
        }
        #expect(releasedByTest, "the executor was held until the watchdog let the lock go")
        #expect(imported == count)
        #expect(try archive.recordings().count == count)
    }
}

extension CooperativePoolTests {
    @Test(.timeLimit(.minutes(10))) func boundedTasksKeepEveryWorkerAtWorkWhateverTheCores() async throws {
        let workers = 4 * ProcessInfo.processInfo.activeProcessorCount + 1
        let started = Shared(0)
        let allMet = try await BoundedTasks.map(Array(0..<workers), workers: workers, placement: .threadPerItem) { (_: Int) throws(CodecError) -> Bool in
            started.value.withLock { $0 += 1 }
            // Blocks, as a read from S3 does, until every worker has started (or 240 s passed).
            let deadline = Date().addingTimeInterval(240)
            while started.value.withLock({ $0 }) < workers && Date() < deadline { usleep(1000) }
            return started.value.withLock { $0 } == workers
        }
        #expect(allMet.count == workers && allMet.allSatisfy { $0 }, "fewer than \(workers) workers were at work at once")
    }
}

/// A value shared between the test, its tasks and a plain thread.
private final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
}
