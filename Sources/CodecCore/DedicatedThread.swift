/// Runs blocking work (an encode that reads its source and waits for its segments, file and
/// network I/O) on a thread of its own and resumes the awaiting task with the result, so that
/// none of the cooperative pool's few threads (one per core) is held by a wait: with
/// `--jobs` = the cores, every pool thread would otherwise sit in an import's waits.
public enum DedicatedThread {
    /// How long a thread the system refuses is asked for again before the work fails.
    public static let patience = Duration.seconds(60)

    /// `work`'s result or error, computed on a new thread. While the system makes no thread (its
    /// limit on threads or processes reached, often for a moment while others end), the thread
    /// is asked for again, waiting on the task (not on a thread) up to `patience`.
    /// - Throws: what `work` throws; ``CodecError/Code/resources`` when no thread was made.
    public static func run<T: Sendable>(
        patience: Duration = patience, starter: ThreadStart.Starter = ThreadStart.detached,
        _ work: @escaping @Sendable () throws(CodecError) -> T
    ) async throws(CodecError) -> T {
        let clock = ContinuousClock(), deadline = clock.now + patience
        var pause = Duration.milliseconds(5)
        while true {
            let result: Result<T, CodecError>? = await withCheckedContinuation { continuation in
                let started = starter {
                    do throws(CodecError) { continuation.resume(returning: .success(try work())) } catch { continuation.resume(returning: .failure(error)) }
                }
                if !started { continuation.resume(returning: nil) }
            }
            if let result { return try result.get() }
            guard clock.now < deadline, !Task.isCancelled else {
                throw CodecError(.resources, "the system makes no more threads (its limit on threads or processes is reached: ulimit -u, or a container's pids limit)")
            }
            try? await Task.sleep(for: pause, clock: clock)
            pause = min(pause * 2, .seconds(1))
        }
    }
}
