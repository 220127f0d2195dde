import Foundation

/// Runs blocking work (an encode that reads its source and waits for its segments, file and
/// network I/O) on a thread of its own and resumes the awaiting task with the result, so that
/// none of the cooperative pool's few threads (one per core) is held by a wait: with
/// `--jobs` = the cores, every pool thread would otherwise sit in an import's waits.
public enum DedicatedThread {
    /// The stack of the thread: as large as a main thread's, for the C libraries' buffers.
    static let stackBytes = 8 << 20

    /// `work`'s result or error, computed on a new thread.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws(CodecError) -> T) async throws(CodecError) -> T {
        let result: Result<T, CodecError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(CodecError) { continuation.resume(returning: .success(try work())) } catch { continuation.resume(returning: .failure(error)) }
            }
            thread.stackSize = stackBytes
            thread.start()
        }
        return try result.get()
    }
}
