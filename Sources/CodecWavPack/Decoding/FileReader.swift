internal import CWavPack
import CodecCore

extension WavPack {
    /// The samples of a WavPack file (an input, not a stored stream) as libwavpack decodes them,
    /// read in order.
    public final class FileReader {
        public let path: String
        public let sampleRate: Int
        public let channelCount: Int
        public let bitsPerSample: Int
        /// The bytes each sample takes in the file's PCM (the samples read are at this depth).
        public let bytesPerSample: Int
        /// 32-bit float samples (read as their bit patterns).
        public let isFloat: Bool
        /// Coded losslessly: what ``read(maxFrames:into:)`` gives is the file's signal (a hybrid
        /// file without its correction file is lossy).
        public let isLossless: Bool
        /// The frames the file states (-1 when it does not).
        public let declaredFrames: Int64
        private let context: OpaquePointer

        /// Opens `path`.
        /// - Throws: ``CodecError/Code/unrecognized`` when libwavpack cannot read it (its reason included).
        public init(path: String) throws(CodecError) {
            var error = [CChar](repeating: 0, count: 128)
            guard let context = WavpackOpenFileInput(path, &error, 0, 0) else {
                let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw CodecError(.unrecognized, "libwavpack cannot read it: \(reason)", codec: WavPack.codecID, file: path)
            }
            self.context = context
            self.path = path
            sampleRate = Int(WavpackGetSampleRate(context))
            channelCount = Int(WavpackGetNumChannels(context))
            bitsPerSample = Int(WavpackGetBitsPerSample(context))
            bytesPerSample = Int(WavpackGetBytesPerSample(context))
            let mode = WavpackGetMode(context)
            (isFloat, isLossless) = (mode & MODE_FLOAT != 0, mode & MODE_LOSSLESS != 0)
            declaredFrames = WavpackGetNumSamples64(context)
        }

        deinit { WavpackCloseFile(context) }

        /// Blocks libwavpack found damaged so far (their samples are silence).
        public var damagedBlocks: Int { Int(WavpackGetNumErrors(context)) }

        /// Reads up to `maxFrames` frames, interleaved, into `samples` (replacing its contents):
        /// integers at ``bytesPerSample``, right-justified, or floats' bit patterns.
        /// - Returns: frames read; 0 at the end of the file.
        public func read(maxFrames: Int, into samples: inout [Int32]) -> Int {
            let count = max(0, maxFrames) * channelCount
            if samples.count != count { samples = [Int32](repeating: 0, count: count) }
            guard count > 0 else { return 0 }
            let frames = samples.withUnsafeMutableBufferPointer { buffer in
                // libwavpack writes at most `maxFrames` frames of `channelCount` samples: the buffer's size.
                Int(WavpackUnpackSamples(context, buffer.baseAddress, UInt32(clamping: maxFrames)))
            }
            if frames * channelCount < count { samples.removeSubrange((frames * channelCount)...) }
            return frames
        }
    }
}
