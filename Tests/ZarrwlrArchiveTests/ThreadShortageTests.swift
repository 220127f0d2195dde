import CodecCore
import Synchronization
import Testing
import ZarrwlrArchive

/// A thread the system refuses (its limit on threads or processes reached) never leaves work
/// waiting for it: work that needs a thread of its own asks again, then fails with a typed
/// error; a parallel loop's share of a refused thread goes to the threads that run.
@Suite struct ThreadShortageTests {
    /// A starter that refuses the first `refusals` threads, then starts them.
    private static func refusing(_ refusals: Int) -> (starter: ThreadStart.Starter, asked: @Sendable () -> Int) {
        let asked = Counter()
        let starter: ThreadStart.Starter = { body in
            asked.value.add(1, ordering: .relaxed).newValue > refusals ? ThreadStart.detached(body) : false
        }
        return (starter, { asked.value.load(ordering: .relaxed) })
    }

    @Test func workOnAThreadOfItsOwnWaitsForOneAndFailsTypedWhenNoneIsMade() async throws {
        // (Patience far past the test's pauses, however long a loaded machine makes them.)
        let (late, askedLate) = Self.refusing(3)
        let value = try await DedicatedThread.run(patience: .seconds(86_400), starter: late) { () throws(CodecError) in 42 }
        #expect(value == 42)
        #expect(askedLate() == 4, "refused three times, asked again each time")

        let (never, askedNever) = Self.refusing(.max)
        let refused = await #expect(throws: CodecError.self) {
            try await DedicatedThread.run(patience: .zero, starter: never) { () throws(CodecError) in 42 }
        }
        #expect(refused?.code == .resources)
        #expect(refused?.message.contains("no more threads") == true)
        #expect(askedNever() == 1)
    }

    /// 100 items on 8 workers when the system makes none of the 7 helper threads, 2 of them, or all.
    @Test(arguments: [0, 2, 7])
    func aParallelLoopDoesEveryItemWhateverThreadsAreRefused(threadsMade: Int) throws {
        let made = Counter()
        let starter: ThreadStart.Starter = { body in
            made.value.add(1, ordering: .relaxed).newValue <= threadsMade ? ThreadStart.detached(body) : false
        }
        let done = Mutex([Int]())
        try OwnThreads.forEach(100, workers: 8, starter: starter) { (k) throws(CodecError) in done.withLock { $0.append(k) } }
        #expect(done.withLock { $0.sorted() } == Array(0..<100))
    }
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
