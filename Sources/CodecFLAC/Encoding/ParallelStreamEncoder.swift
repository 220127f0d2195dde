import AudioInput
import CodecCore
import ZarrStore

extension FLAC {
    /// Encodes a source's integer PCM into one FLAC stream on several cores
    /// (``SegmentedEncoding``): segments of whole blocks, each coded by a libFLAC encoder of its
    /// own (``SegmentEncoder``), the MD5 of the whole signal fed in order by the pipeline's
    /// serial stage, the segments appended in order, STREAMINFO completed at the end (frame
    /// sizes, total, MD5). Segment boundaries depend on the block size and channels only, and
    /// libFLAC codes every full block on its own, so the bytes are those of one libFLAC encoder
    /// over the whole stream whatever the number of workers.
    struct ParallelStreamEncoder {
        let settings: EncoderSettings
        let workers: Int

        init(settings: EncoderSettings, workers: Int) {
            self.settings = settings
            self.workers = max(1, workers)
        }

        /// Frames per segment: whole blocks, about 2^18 samples over all channels.
        var segmentFrames: Int {
            settings.blockSize * max(1, (1 << 18) / settings.channelCount / settings.blockSize)
        }

        /// Encodes all that `reader` holds into `blob`; returns where the frames lie (they hold
        /// every sample read).
        func encode(_ reader: PCMFileReader, into blob: BlobWriter) throws(CodecError) -> EncodedFrames {
            try settings.validate()
            let signature = SignatureMD5(bitsPerSample: settings.bitsPerSample)
            var frames = EncodedFrames()
            var frameSizes: (min: Int, max: Int)?
            var streamInfoBytes: [UInt8] = []
            try SegmentedEncoding<SegmentEncoder.Output>(workers: workers).run(
                next: { number throws(CodecError) in
                    let pieces = try reader.readSegment(frames: segmentFrames)
                    // An empty stream still has its metadata, from segment 0.
                    return pieces.isEmpty && number > 0 ? nil : pieces
                },
                encode: { number, samples throws(CodecError) in try encodeSegment(samples, number: number) },
                observe: { signature.add($0) },
                append: { output throws(CodecError) in
                    if !output.metadata.isEmpty {
                        streamInfoBytes = output.metadata
                        try blob.write(output.metadata)
                    }
                    var offset = blob.position
                    for (size, samples) in zip(output.frameSizes, output.frameSamples) {
                        frames.add(at: offset, bytes: size, samples: samples)
                        offset += Int64(size)
                        frameSizes = (min(frameSizes?.min ?? size, size), max(frameSizes?.max ?? size, size))
                    }
                    try blob.write(output.frames)
                })
            try completeStreamInfo(streamInfoBytes, in: blob, frameSizes: frameSizes, totalSamples: frames.totalSamples, md5: signature.finalize())
            return frames
        }

        /// The MD5 of the whole signal (RFC 9639 §8.2), fed segment by segment in order by the
        /// pipeline's serial stage.
        private final class SignatureMD5: Sendable {
            /// The digest, and the buffer the samples are serialised through (reused piece after piece).
            private struct State {
                let digest = MessageDigest(.md5)
                var bytes: [UInt8] = []
            }

            private let state = ForkSafeMutex(State())
            /// RFC 9639 §8.2: each sample little-endian, signed, in the smallest whole number of
            /// bytes that holds the sample size.
            private let layout: SampleLayout

            init(bitsPerSample: Int) { layout = .littleEndian(bytesPerSample: (bitsPerSample + 7) / 8) }

            func add(_ piece: [Int32]) {
                state.withLock { state in piece.withUnsafeBufferPointer { layout.hash($0, into: state.digest, through: &state.bytes) } }
            }

            func finalize() -> [UInt8] { state.withLock { $0.digest.finalize() } }
        }

        private func encodeSegment(_ samples: SegmentSamples, number: Int) throws(CodecError) -> SegmentEncoder.Output {
            let blocksPerSegment = segmentFrames / settings.blockSize
            let (firstFrame, overflow) = number.multipliedReportingOverflow(by: blocksPerSegment)
            guard !overflow else { throw CodecError(.unsupported, "the stream is too long for FLAC's frame numbers", codec: FLAC.codecID) }
            let encoder = try SegmentEncoder(settings: settings, firstFrameNumber: firstFrame)
            var output = try encoder.encode(samples)
            if number != 0 { output.metadata = [] }
            return output
        }

        /// Writes the final STREAMINFO over the one the first segment's encoder wrote (RFC 9639
        /// §8.2: frame sizes at bytes 4-9, the 36-bit total at the end of bytes 13-17, MD5 at
        /// 18-33 of the block's 34 bytes, which follow "fLaC" and a 4-byte block header).
        private func completeStreamInfo(
            _ metadata: [UInt8], in blob: BlobWriter, frameSizes: (min: Int, max: Int)?, totalSamples: Int64, md5: [UInt8]
        ) throws(CodecError) {
            let start = 8
            guard metadata.count >= start + 34, metadata.starts(with: Array("fLaC".utf8)), metadata[4] & 0x7F == 0, md5.count == 16 else {
                throw CodecError(.library, "libFLAC did not write STREAMINFO first", codec: FLAC.codecID)
            }
            var info = Array(metadata[start..<start + 34])
            if let frameSizes {
                for (at, value) in [(4, frameSizes.min), (7, frameSizes.max)] {
                    info[at] = UInt8(truncatingIfNeeded: value >> 16)
                    info[at + 1] = UInt8(truncatingIfNeeded: value >> 8)
                    info[at + 2] = UInt8(truncatingIfNeeded: value)
                }
            }
            let total = UInt64(totalSamples) & 0xF_FFFF_FFFF
            info[13] = info[13] & 0xF0 | UInt8(truncatingIfNeeded: total >> 32)
            for k in 0..<4 { info[14 + k] = UInt8(truncatingIfNeeded: total >> UInt64(24 - 8 * k)) }
            info.replaceSubrange(18..<34, with: md5)
            try blob.rewrite(info, at: Int64(start))
        }
    }
}
