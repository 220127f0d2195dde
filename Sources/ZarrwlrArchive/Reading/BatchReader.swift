import CodecCore
import Foundation
import ZarrStore

/// Reads batches of draws, possibly from different recordings, into one caller-owned buffer:
/// what a training loop asks for, in one call. Each recording's reader is opened once and kept
/// for later batches; draws are decoded in parallel on threads of its own (``OwnThreads``), so
/// a batch works from any thread and in a forked child.
public final class BatchReader: Sendable {
    /// One draw: samples `range` of recording `id`.
    public struct Draw: Sendable, Equatable {
        public let id: String
        public let range: Range<Int64>

        public init(id: String, range: Range<Int64>) {
            self.id = id
            self.range = range
        }
    }

    /// What a batch holds: `count` slots of `frames` x `channels` samples of `format`, each slot
    /// a draw (zero-padded at its end when it is shorter and padding was asked for).
    public struct Shape: Sendable, Equatable {
        public let count: Int
        public let frames: Int
        public let channels: Int
        /// The rate of every draw's recording.
        public let sampleRate: Int
        public let format: SampleFormat

        /// Bytes of one slot and of the whole batch (checked: nil when they overflow).
        public var slotBytes: Int? { Shape.product([frames, channels, format.bytesPerSample]) }
        public var byteCount: Int? { slotBytes.flatMap { Shape.product([$0, count]) } }

        private static func product(_ factors: [Int]) -> Int? {
            var result = 1
            for factor in factors {
                let (next, overflow) = result.multipliedReportingOverflow(by: factor)
                if overflow { return nil }
                result = next
            }
            return result
        }
    }

    /// How a batch's audio is made ready for a model: some channels picked (in that order),
    /// then mixed down to mono (the mean of the channels), then resampled to one rate with
    /// libsoxr, each draw on its own (as soxr's one-shot call does it). Mixing and resampling
    /// give float32.
    public struct Preparation: Sendable, Equatable {
        /// The channels kept, by index in each recording; nil: all.
        public var channels: [Int]?
        /// Whether the (kept) channels are mixed down to one.
        public var mono: Bool
        /// The rate of the batch; nil: the recordings' own (which must then be one).
        public var targetRate: Int?
        public var quality: Resampler.Quality

        public init(channels: [Int]? = nil, mono: Bool = false, targetRate: Int? = nil, quality: Resampler.Quality = .high) {
            self.channels = channels
            self.mono = mono
            self.targetRate = targetRate
            self.quality = quality
        }

        /// Samples as stored: nothing to do.
        public static let none = Preparation()
        var isNone: Bool { channels == nil && !mono && targetRate == nil }
        var needsFloat: Bool { mono || targetRate != nil }
    }

    public let archive: AudioArchive
    private let readers = ForkSafeMutex<[String: any RecordingReader]>([:])

    public init(archive: AudioArchive) {
        self.archive = archive
    }

    /// The reader of recording `id`, opened on first use and kept.
    public func reader(for id: String) throws(CodecError) -> any RecordingReader {
        if let known = readers.withLock({ $0[id] }) { return known }
        let opened = try archive.reader(for: id)
        return readers.withLock { cache in
            if let known = cache[id] { return known }
            cache[id] = opened
            return opened
        }
    }

    /// The shape the batch of `draws` has, every draw checked first (nothing is decoded before):
    /// the recording exists, the range lies inside it, all recordings have one channel count
    /// (unless mixed down) and one rate (unless resampled), and each draw is `frames` long (the
    /// longest draw's length when nil; counted at the batch's rate), or shorter when `pad`.
    /// - Throws: ``CodecError/Code/invalidArgument`` naming the draw and what is wrong.
    public func shape(
        of draws: [Draw], frames: Int? = nil, pad: Bool = false, as format: SampleFormat, preparation: Preparation = .none
    ) throws(CodecError) -> Shape {
        guard let first = draws.first else {
            return Shape(count: 0, frames: max(0, frames ?? 0), channels: 0, sampleRate: preparation.targetRate ?? 0, format: format)
        }
        guard !preparation.needsFloat || format == .float32 else {
            throw CodecError(.invalidArgument, "resampled or mixed-down batches are float32, not \(format)")
        }
        if let rate = preparation.targetRate, !(1...1_000_000_000).contains(rate) {
            throw CodecError(.invalidArgument, "the target rate must be 1 to 10^9 Hz, not \(rate)")
        }
        let reference = try reader(for: first.id)
        var lengths: [Int] = []
        for (k, draw) in draws.enumerated() {
            let reader: any RecordingReader
            do { reader = try self.reader(for: draw.id) } catch { throw error.inRecording(draw.id) }
            guard draw.range.lowerBound >= 0, draw.range.upperBound <= reader.totalSamples else {
                throw CodecError(.invalidArgument, "draw \(k) asks for samples \(draw.range.lowerBound)..<\(draw.range.upperBound); the recording holds 0..<\(reader.totalSamples)", recording: draw.id)
            }
            if let picked = preparation.channels, let bad = picked.first(where: { !(0..<reader.channelCount).contains($0) }) {
                throw CodecError(.invalidArgument, "draw \(k): recording \(draw.id) has no channel \(bad) (it has \(reader.channelCount))", recording: draw.id)
            }
            guard preparation.mono || preparation.channels != nil || reader.channelCount == reference.channelCount else {
                throw CodecError(.invalidArgument, "draw \(k): recording \(draw.id) has \(reader.channelCount) channels, recording \(first.id) \(reference.channelCount); a batch holds one channel count (or mix down to mono)", recording: draw.id)
            }
            guard preparation.targetRate != nil || reader.sampleRate == reference.sampleRate else {
                throw CodecError(.invalidArgument, "draw \(k): recording \(draw.id) is at \(reader.sampleRate) Hz, recording \(first.id) at \(reference.sampleRate) Hz; a batch holds one rate (or give a target rate)", recording: draw.id)
            }
            lengths.append(preparation.targetRate.map { Resampler.outputFrames(draw.range.count, from: reader.sampleRate, to: $0) } ?? draw.range.count)
        }
        let length = frames ?? lengths.max() ?? 0
        guard length > 0 else { throw CodecError(.invalidArgument, "a batch needs draws of at least one frame") }
        for (k, drawn) in lengths.enumerated() where !(drawn == length || (pad && drawn < length)) {
            throw CodecError(.invalidArgument, "draw \(k) is \(drawn) frames, the batch's are \(length)\(drawn < length ? " (ask for padding to pad shorter draws with zeros)" : "")", recording: draws[k].id)
        }
        return Shape(
            count: draws.count, frames: length, channels: preparation.mono ? 1 : preparation.channels?.count ?? reference.channelCount,
            sampleRate: preparation.targetRate ?? reference.sampleRate, format: format)
    }

    /// Reads `draws` into `buffer`, slot k holding draw k (``shape(of:frames:pad:as:preparation:)``,
    /// which it checks first), decoded by up to `workers` threads. Returns the shape.
    /// - Throws: ``CodecError/Code/invalidArgument`` for a bad draw or a buffer of another size
    ///   than the batch's; the recording's error when a draw cannot be decoded.
    @discardableResult
    public func read(
        _ draws: [Draw], frames: Int? = nil, pad: Bool = false, as format: SampleFormat, preparation: Preparation = .none, workers: Int = 1,
        into buffer: UnsafeMutableRawBufferPointer
    ) throws(CodecError) -> Shape {
        let shape = try shape(of: draws, frames: frames, pad: pad, as: format, preparation: preparation)
        guard let slotBytes = shape.slotBytes, let total = shape.byteCount, buffer.count == total, total == 0 || buffer.baseAddress != nil else {
            throw CodecError(.invalidArgument, "the buffer holds \(buffer.count) bytes; \(shape.count) draws of \(shape.frames) frames x \(shape.channels) channels as \(format) need \(shape.byteCount.map(String.init) ?? "more than can be addressed")")
        }
        let slots = Slots(base: buffer.baseAddress, slotBytes: slotBytes)
        let readers = try draws.map { draw throws(CodecError) in try reader(for: draw.id) }
        try OwnThreads.forEach(draws.count, workers: workers) { k throws(CodecError) in
            let slot = slots.slot(k)
            do throws(CodecError) {
                let used = try preparation.isNone
                    ? Self.decode(draws[k], of: readers[k], as: format, into: slot)
                    : Self.prepare(draws[k], of: readers[k], preparation, as: format, into: slot)
                if used < slot.count { UnsafeMutableRawBufferPointer(rebasing: slot[used...]).initializeMemory(as: UInt8.self, repeating: 0) }
            } catch {
                throw error.inRecording(draws[k].id)
            }
        }
        return shape
    }

    /// Draw `draw` as stored into the start of `slot`; the bytes used.
    private static func decode(_ draw: Draw, of reader: any RecordingReader, as format: SampleFormat, into slot: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        let used = draw.range.count * reader.channelCount * format.bytesPerSample
        try reader.extract(draw.range, as: format, into: UnsafeMutableRawBufferPointer(rebasing: slot[0..<used]))
        return used
    }

    /// Draw `draw` with its channels picked, then (as float32) mixed down and/or resampled, into
    /// the start of `slot`; the bytes used.
    private static func prepare(
        _ draw: Draw, of reader: any RecordingReader, _ preparation: Preparation, as format: SampleFormat, into slot: UnsafeMutableRawBufferPointer
    ) throws(CodecError) -> Int {
        var buffer = try reader.extract(draw.range, as: format)
        if let picked = preparation.channels { buffer = try buffer.selectingChannels(picked) }
        guard preparation.needsFloat else {
            try buffer.copy(into: slot)
            return buffer.withUnsafeBytes { $0.count }
        }
        guard case .float32(var samples) = buffer.samples else {
            throw CodecError(.library, "a float32 extraction gave other samples")
        }
        var channels = buffer.channelCount
        if preparation.mono && channels > 1 {
            let frames = samples.count / channels
            samples = (0..<frames).map { frame in samples[frame * channels..<(frame + 1) * channels].reduce(0, +) / Float(channels) }
            channels = 1
        }
        let slotFloats = slot.bindMemory(to: Float.self)
        guard let rate = preparation.targetRate, rate != reader.sampleRate else {
            _ = UnsafeMutableBufferPointer(rebasing: slotFloats[0..<samples.count]).initialize(from: samples)
            return samples.count * 4
        }
        let count = Resampler.outputFrames(draw.range.count, from: reader.sampleRate, to: rate) * channels
        try samples.withUnsafeBufferPointer { input throws(CodecError) in
            try Resampler.resample(input, channels: channels, from: reader.sampleRate, to: rate, quality: preparation.quality,
                                   into: UnsafeMutableBufferPointer(rebasing: slotFloats[0..<count]))
        }
        return count * 4
    }
}

/// The slots of a caller's batch buffer. Sendable although it holds a raw pointer because each
/// slot is written by exactly one draw's decode, the slots do not overlap, and the caller's
/// buffer outlives the read (``BatchReader/read(_:frames:pad:as:workers:into:)`` returns only
/// when every decode has finished).
private struct Slots: @unchecked Sendable {
    let base: UnsafeMutableRawPointer?
    let slotBytes: Int

    func slot(_ k: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base.map { $0 + k * slotBytes }, count: slotBytes)
    }
}
