/// How extracted samples are delivered.
///
/// - `int32`: the integer sample values exactly as coded, at the recording's bit depth (a 24-bit
///   recording gives values in -2^23 ..< 2^23), not shifted.
/// - `int16`: scaled to 16 bits: shifted right (truncating toward -infinity) for deeper sources,
///   left for shallower ones. Lossless only for sources of 16 bits or fewer.
/// - `float32`: value / 2^(bits - 1), so full scale is -1.0 ..< 1.0.
public enum SampleFormat: String, Sendable, CaseIterable {
    case int16, int32, float32

    /// Bytes one sample takes.
    public var bytesPerSample: Int { self == .int16 ? 2 : 4 }
}

/// Interleaved samples of all channels of one stretch of a recording.
public struct PCMBuffer: Sendable, Equatable {
    /// The samples, interleaved (frame 0 channel 0, frame 0 channel 1, ...).
    public enum Samples: Sendable, Equatable {
        case int16([Int16])
        case int32([Int32])
        case float32([Float])

        var count: Int {
            switch self {
            case .int16(let s): return s.count
            case .int32(let s): return s.count
            case .float32(let s): return s.count
            }
        }
    }

    public var samples: Samples
    public let channelCount: Int
    /// The recording's sample rate in Hz.
    public let sampleRate: Int
    /// The recording's bits per sample (the scale of `int32` values).
    public let bitsPerSample: Int
    /// Samples that lay beyond full scale when floats (a float recording, a lossy decode) were
    /// quantised to integers, and were clipped to the integer range; 0 when nothing was clipped.
    public var clippedSamples: Int

    public init(samples: Samples, channelCount: Int, sampleRate: Int, bitsPerSample: Int, clippedSamples: Int = 0) {
        self.samples = samples
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        self.bitsPerSample = bitsPerSample
        self.clippedSamples = clippedSamples
    }

    /// Sample frames (samples per channel).
    public var frameCount: Int { channelCount == 0 ? 0 : samples.count / channelCount }

    public var format: SampleFormat {
        switch samples {
        case .int16: return .int16
        case .int32: return .int32
        case .float32: return .float32
        }
    }

    /// Converts native integer samples (at `bitsPerSample`) to `format` as documented on ``SampleFormat``.
    public static func converting(
        _ native: [Int32], to format: SampleFormat, channelCount: Int, sampleRate: Int, bitsPerSample: Int
    ) -> PCMBuffer {
        converting(native[...], to: format, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample)
    }

    /// Converts native integer samples (at `bitsPerSample`, 1-32) to `format` as documented on
    /// ``SampleFormat``, in one pass over `native` (a slice of a decoder's output needs no copy first).
    public static func converting(
        _ native: ArraySlice<Int32>, to format: SampleFormat, channelCount: Int, sampleRate: Int, bitsPerSample: Int
    ) -> PCMBuffer {
        func filled<Sample>(_: Sample.Type) -> [Sample] {
            [Sample](unsafeUninitializedCapacity: native.count) { out, initialized in
                native.withUnsafeBufferPointer { source in
                    if let base = out.baseAddress { NativeSamples.write(source, as: format, bitsPerSample: bitsPerSample, to: UnsafeMutableRawPointer(base)) }
                }
                initialized = native.count
            }
        }
        let samples: Samples = switch format {
        case .int32: .int32(Array(native))
        case .int16: .int16(filled(Int16.self))
        case .float32: .float32(filled(Float.self))
        }
        return PCMBuffer(samples: samples, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample)
    }

    /// Float samples (full scale -1...1) as `format`: float32 as they are; integers scaled by
    /// 2^(`integerBits` - 1), rounded, and clipped to the integer range, with the clipped samples
    /// counted in ``clippedSamples`` (a float recording or a lossy decode may lie beyond full scale).
    public static func quantising(
        _ floats: [Float], to format: SampleFormat, integerBits: Int, channelCount: Int, sampleRate: Int, bitsPerSample: Int
    ) -> PCMBuffer {
        var clipped = 0
        func quantised<Sample: FixedWidthInteger>(_: Sample.Type, bits: Int) -> [Sample] {
            let scale = Double(1 << Int64(bits - 1))
            let high = Double(Sample.max) , low = Double(Sample.min)
            return floats.map { value in
                let scaled = (Double(value) * scale).rounded()
                if scaled > high { clipped += 1; return Sample.max }
                if scaled < low || scaled.isNaN { clipped += 1; return Sample.min }
                return Sample(scaled)
            }
        }
        let samples: Samples = switch format {
        case .float32: .float32(floats)
        case .int16: .int16(quantised(Int16.self, bits: 16))
        case .int32: integerBits >= 32 ? .int32(quantised(Int32.self, bits: 32)) : .int32(quantised(Int16.self, bits: integerBits).map(Int32.init))
        }
        return PCMBuffer(samples: samples, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample, clippedSamples: clipped)
    }

    /// Writes native integer samples (at `bitsPerSample`, 1-32) as `format` (the scaling of
    /// ``SampleFormat``) straight into `destination`, any alignment: a caller's buffer filled in one pass.
    /// - Throws: ``CodecError/Code/invalidArgument`` when `destination` holds fewer than
    ///   `native.count * format.bytesPerSample` bytes.
    public static func write(_ native: ArraySlice<Int32>, as format: SampleFormat, bitsPerSample: Int, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        guard !native.isEmpty else { return }
        guard let base = destination.baseAddress, destination.count / format.bytesPerSample >= native.count else {
            throw CodecError(.invalidArgument, "the buffer holds \(destination.count) bytes, \(native.count) \(format.rawValue) samples need \(native.count * format.bytesPerSample)")
        }
        native.withUnsafeBufferPointer { NativeSamples.write($0, as: format, bitsPerSample: bitsPerSample, to: base) }
    }
}

extension PCMBuffer {
    /// Calls `body` with the samples' bytes (interleaved, host byte order), whatever their type.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch samples {
        case .int16(let s): try s.withUnsafeBytes(body)
        case .int32(let s): try s.withUnsafeBytes(body)
        case .float32(let s): try s.withUnsafeBytes(body)
        }
    }

    /// Copies the samples' bytes to the start of `destination`.
    /// - Throws: ``CodecError/Code/invalidArgument`` when `destination` is too small.
    public func copy(into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let needed = samples.count * format.bytesPerSample
        guard needed <= destination.count else {
            throw CodecError(.invalidArgument, "the buffer holds \(destination.count) bytes, the samples need \(needed)")
        }
        withUnsafeBytes { bytes in
            if let base = bytes.baseAddress, bytes.count > 0 { destination.baseAddress?.copyMemory(from: base, byteCount: bytes.count) }
        }
    }

    /// `frames` frames of digital silence.
    public static func silence(frames: Int, channelCount: Int, sampleRate: Int, bitsPerSample: Int, as format: SampleFormat) -> PCMBuffer {
        let count = max(0, frames) * channelCount
        let samples: Samples = switch format {
        case .int16: .int16([Int16](repeating: 0, count: count))
        case .int32: .int32([Int32](repeating: 0, count: count))
        case .float32: .float32([Float](repeating: 0, count: count))
        }
        return PCMBuffer(samples: samples, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample)
    }

    /// `pieces` one after another (all in `format`).
    public static func concatenating(_ pieces: [PCMBuffer], channelCount: Int, sampleRate: Int, bitsPerSample: Int, as format: SampleFormat) -> PCMBuffer {
        var joined = silence(frames: 0, channelCount: channelCount, sampleRate: sampleRate, bitsPerSample: bitsPerSample, as: format)
        for piece in pieces {
            switch (joined.samples, piece.samples) {
            case (.int16(let a), .int16(let b)): joined.samples = .int16(a + b)
            case (.int32(let a), .int32(let b)): joined.samples = .int32(a + b)
            case (.float32(let a), .float32(let b)): joined.samples = .float32(a + b)
            default: continue  // every piece is extracted in `format`
            }
        }
        return joined
    }
}

extension PCMBuffer {
    /// The channels `picked` (indices, in output order; one may repeat), all frames.
    /// - Throws: ``CodecError/Code/invalidArgument`` naming a channel the buffer does not have.
    public func selectingChannels(_ picked: [Int]) throws(CodecError) -> PCMBuffer {
        if let bad = picked.first(where: { !(0..<channelCount).contains($0) }) {
            throw CodecError(.invalidArgument, "there is no channel \(bad): the recording has \(channelCount) (0...\(channelCount - 1))")
        }
        let width = channelCount
        func pick<T>(_ samples: [T]) -> [T] {
            let frames = samples.count / max(width, 1)
            var out: [T] = []
            out.reserveCapacity(frames * picked.count)
            for frame in 0..<frames { for channel in picked { out.append(samples[frame * width + channel]) } }
            return out
        }
        let selected: Samples = switch samples {
        case .int16(let values): .int16(pick(values))
        case .int32(let values): .int32(pick(values))
        case .float32(let values): .float32(pick(values))
        }
        return PCMBuffer(samples: selected, channelCount: picked.count, sampleRate: sampleRate, bitsPerSample: bitsPerSample, clippedSamples: clippedSamples)
    }
}

extension PCMBuffer {
    /// The int32 samples of a `bitsPerSample`-bit recording made full scale in place:
    /// left-justified (x 2^(32 - bits)), as soundfile and `aimport extract --format s32` give
    /// them. Samples of 32 bits (and floats quantised to int32, which are full scale already)
    /// stay as they are.
    public static func leftJustify(_ samples: UnsafeMutableBufferPointer<Int32>, bitsPerSample: Int) {
        guard (1..<32).contains(bitsPerSample) else { return }
        let shift = Int32(32 - bitsPerSample)
        for k in samples.indices { samples[k] <<= shift }
    }
}
