import Dispatch
import ZarrStore

/// Encodes a long source on several cores, for encoders whose stream can be made of segments
/// coded on their own. The caller's thread reads the segments in order (`next`, each in pieces)
/// and hands each to `encode` on one of `workers` serial queues (dealt round robin: serial queues
/// get threads of their own, whereas a concurrent queue shares its width, the core count, with
/// Swift's cooperative pool, on which the caller may sit) as ``SegmentSamples`` the encoder takes
/// piece by piece, and its pieces to `observe` on one serial stage that sees every piece in order
/// (a checksum of the whole signal, say); the encoded segments come back to `append` on the
/// caller's thread in order. At most `workers + 1` segments are in flight, and a piece is freed
/// once coded and observed, so memory is bounded by about workers x segment size, whatever the
/// source's length.
public struct SegmentedEncoding<Output: Sendable>: Sendable {
    public let workers: Int

    public init(workers: Int) {
        self.workers = max(1, workers)
    }

    /// Runs the pipeline until `next` returns nil.
    /// - Parameters:
    ///   - next: segment `number`'s samples (interleaved, in pieces of whole frames), or nil
    ///     after the last.
    ///   - encode: segment `number` encoded, taking its samples piece by piece.
    ///   - observe: every piece of every segment, in order.
    ///   - append: every encoded segment, in order.
    public func run(
        next: (_ number: Int) throws(CodecError) -> [[Int32]]?,
        encode: @escaping @Sendable (_ number: Int, _ samples: SegmentSamples) throws(CodecError) -> Output,
        observe: @escaping @Sendable (_ piece: [Int32]) -> Void = { _ in },
        append: (Output) throws(CodecError) -> Void
    ) throws(CodecError) {
        let queues = (0..<workers).map { DispatchQueue(label: "zarrwlr.segment-encoder-\($0)") }
        let inOrder = DispatchQueue(label: "zarrwlr.segment-observer")
        var inFlight: [Job] = []
        // Every job is waited for, also when one fails, so none outlives this call.
        defer { for job in inFlight { job.done.wait() } }
        var number = 0
        while let pieces = try next(number) {
            let job = Job(), segment = number, samples = SegmentSamples(pieces)
            queues[segment % workers].async(group: job.done) {
                job.finish(Result { () throws(CodecError) in try encode(segment, samples) })
            }
            inOrder.async(group: job.done) { for piece in pieces { observe(piece) } }
            inFlight.append(job)
            number += 1
            if inFlight.count > workers { try append(try inFlight.removeFirst().output()) }
        }
        while !inFlight.isEmpty { try append(try inFlight.removeFirst().output()) }
    }

    /// One segment's encoding, done when its encoder and its observer are.
    private final class Job: Sendable {
        let done = DispatchGroup()
        private let result = ForkSafeMutex<Result<Output, CodecError>?>(nil)

        func finish(_ outcome: Result<Output, CodecError>) {
            result.withLock { $0 = outcome }
        }

        /// Waits for the segment and returns it encoded.
        func output() throws(CodecError) -> Output {
            done.wait()
            guard let outcome = result.withLock({ $0 }) else { throw CodecError(.library, "a segment was not encoded") }
            return try outcome.get()
        }
    }
}
