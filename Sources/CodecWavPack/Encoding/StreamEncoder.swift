internal import CWavPack
import CodecCore

extension WavPack {
    /// Encodes interleaved PCM losslessly with libwavpack into memory: integers of 8-32 bits
    /// and 32-bit floats (as their bit patterns, float_norm_exp 127, which WavPack stores
    /// exactly), up to 4096 channels in one stream. libwavpack hands over whole blocks, numbered
    /// from sample 0 (``ParallelStreamEncoder`` renumbers those of later segments).
    ///
    /// Owns one libwavpack context, closed in `deinit`; not Sendable. libwavpack calls back
    /// with this object unretained: it owns the context, so it is alive during every call.
    final class StreamEncoder {
        struct Settings {
            var sampleRate: Int
            var channelCount: Int
            var bitsPerSample: Int
            var isFloat: Bool
            var totalSamplesEstimate: Int64
            /// libwavpack's CONFIG_* mode flags (0 normal, CONFIG_FAST_FLAG, CONFIG_HIGH_FLAG, ...).
            var modeFlags: Int32
        }

        /// libwavpack's mode flags by name (CONFIG_FAST_FLAG, CONFIG_HIGH_FLAG, CONFIG_VERY_HIGH_FLAG).
        static let modes: [String: Int32] = ["fast": 0x200, "normal": 0, "high": 0x800, "very-high": 0x800 | 0x1000]

        /// The most channels one WavPack stream holds (libwavpack 5: 4096 streams).
        static let maximumChannels = 4096

        private var context: OpaquePointer?
        /// The blocks written so far.
        private var output: [UInt8] = []
        private let channelCount: Int

        init(settings: Settings) throws(CodecError) {
            guard (1...Self.maximumChannels).contains(settings.channelCount) else {
                throw CodecError(.unsupported, "WavPack stores 1 to \(Self.maximumChannels) channels, not \(settings.channelCount)", codec: WavPack.codecID)
            }
            guard settings.isFloat ? settings.bitsPerSample == 32 : (1...32).contains(settings.bitsPerSample) else {
                throw CodecError(.unsupported, "WavPack stores 1-32 bit integers or 32-bit floats, not \(settings.bitsPerSample)-bit \(settings.isFloat ? "floats" : "integers")", codec: WavPack.codecID)
            }
            guard (1...0x7FFF_FFFF).contains(settings.sampleRate) else {
                throw CodecError(.unsupported, "\(settings.sampleRate) Hz is not a sample rate WavPack stores", codec: WavPack.codecID)
            }
            channelCount = settings.channelCount
            // libwavpack passes the id back to the block output: this object, unretained.
            guard let context = WavpackOpenFileOutput(encoderBlockOutput, Unmanaged.passUnretained(self).toOpaque(), nil) else {
                throw CodecError(.library, "libwavpack could not open an encoder", codec: WavPack.codecID)
            }
            self.context = context
            var config = WavpackConfig()
            config.bytes_per_sample = Int32((settings.bitsPerSample + 7) / 8)
            config.bits_per_sample = Int32(settings.bitsPerSample)
            config.num_channels = Int32(settings.channelCount)
            config.sample_rate = Int32(settings.sampleRate)
            // Mono and stereo as such; more channels are an array of unassigned microphones.
            config.channel_mask = settings.channelCount == 1 ? 4 : settings.channelCount == 2 ? 3 : 0
            config.flags = settings.modeFlags
            if settings.isFloat { config.float_norm_exp = 127 }
            guard WavpackSetConfiguration64(context, &config, settings.totalSamplesEstimate > 0 ? settings.totalSamplesEstimate : -1, nil) != 0,
                  WavpackPackInit(context) != 0
            else {
                throw CodecError(.unsupported, "libwavpack refuses the stream parameters: \(String(cString: WavpackGetErrorMessage(context)))", codec: WavPack.codecID)
            }
        }

        deinit {
            if let context { WavpackCloseFile(context) }
        }

        /// Encodes `frames` frames of interleaved samples (integers at their native values, or
        /// float bit patterns).
        func encode(_ samples: inout [Int32], frames: Int) throws(CodecError) {
            let ok = samples.withUnsafeMutableBufferPointer { WavpackPackSamples(context, $0.baseAddress, UInt32(frames)) }
            try check(ok != 0)
        }

        /// Makes room for `bytes` of blocks, so the output grows without copies up to there.
        func reserveOutput(_ bytes: Int) {
            output.reserveCapacity(bytes)
        }

        /// Flushes the last block; returns every block, handed over rather than shared, so the
        /// caller rewrites them in place.
        func finish() throws(CodecError) -> [UInt8] {
            try check(WavpackFlushSamples(context) != 0)
            var blocks: [UInt8] = []
            swap(&blocks, &output)
            return blocks
        }

        private func check(_ ok: Bool) throws(CodecError) {
            guard ok else {
                throw CodecError(.library, "libwavpack encoder failed: \(String(cString: WavpackGetErrorMessage(context)))", codec: WavPack.codecID)
            }
        }

        fileprivate func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
            output.append(contentsOf: bytes)
            return true
        }
    }
}

private let encoderBlockOutput: WavpackBlockOutput = { id, data, count in
    guard let id, let data else { return 0 }
    let encoder = Unmanaged<WavPack.StreamEncoder>.fromOpaque(id).takeUnretainedValue()
    return encoder.write(UnsafeRawBufferPointer(start: data, count: Int(count))) ? 1 : 0
}
