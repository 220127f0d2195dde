#if canImport(Glibc)
import Glibc
#endif
import CodecCore
import Foundation
import Synchronization
import Testing
import TestSupport
import ZarrwlrArchive

/// An import's blocking steps (hashing, the store's requests and their retries, fsync, the wait
/// for the archive lock) run on threads of their own: imports waiting for the lock leave the
/// cooperative pool free for other work, however many there are.
@Suite struct CooperativePoolTests {
    @Test(.timeLimit(.minutes(2))) func importsWaitingForTheArchiveLockLeaveThePoolFree() async throws {
        let folder = TemporaryFolder()
        // More imports than the pool has threads (one per core), each stopping at the lock.
        let count = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
        let files = try TestAudio.tones(count, in: folder.path, seconds: 0.2, frequency: 300, step: 37)
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        try FileManager.default.createDirectory(atPath: folder.path + "/a.zarr/.zarrwlr", withIntermediateDirectories: true)
        let lock = open(folder.path + "/a.zarr/.zarrwlr/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(lock >= 0 && flock(lock, LOCK_EX) == 0)
        let reachedCommit = Shared(0), released = Shared(false)
        // Should the pool be held after all, the lock is let go at last, so the test ends (and fails).
        let watchdog = Thread {
            Thread.sleep(forTimeInterval: 60)
            if !released.value.withLock({ was in defer { was = true }; return was }) { flock(lock, LOCK_UN) }
        }
        watchdog.start()
        let imports = Task {
            await withTaskGroup(of: Bool.self) { group in
                for file in files {
                    group.addTask {
                        let outcome = try? await archive.importFile(file, beforeCommit: { reachedCommit.value.withLock { $0 += 1 } })
                        if case .imported = outcome { return true }
                        return false
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        while reachedCommit.value.withLock({ $0 }) < count {
            try await Task.sleep(for: .milliseconds(10))
        }
        // Every import is at its commit (or waiting for the lock); the pool still runs this.
        let probe = await Task.detached { 42 }.value
        let releasedByTest = !released.value.withLock { was in defer { was = true }; return was }
        if releasedByTest { flock(lock, LOCK_UN) }
        #expect(probe == 42 && releasedByTest, "the pool was held until the lock was let go")
        let imported = await imports.value
        close(lock)
        #expect(imported == count)
        #expect(try archive.recordings().count == count)
    }
}

/// A value shared between the test, its tasks and a plain thread.
private final class Shared<Value: Sendable>: Sendable {
    let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
}
