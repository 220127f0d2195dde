import AudioInput
import CodecCore

extension WavPack {
    /// Encodes a source into one WavPack stream on several cores (``SegmentedEncoding``):
    /// segments of ``segmentFrames(channels:)`` frames, each coded by a libwavpack context of its
    /// own (``StreamEncoder``; WavPack blocks decode on their own, each carrying its decorrelation
    /// state), its blocks moved to the segment's place in the stream (block index and checksum
    /// rewritten, ``BlockRenumbering``) and appended in order; the first block gets the total at
    /// the end. Segment boundaries depend on the channel count only, so the bytes are the same
    /// whatever the number of workers; each segment starts libwavpack's adaptation afresh, which
    /// costs a little compression (measured in docs/BENCHMARKS.md).
    struct ParallelStreamEncoder {
        let settings: StreamEncoder.Settings
        let workers: Int

        /// Frames per segment: about 2^21 samples over all channels (8 MiB of samples in memory).
        static func segmentFrames(channels: Int) -> Int { max(1, (1 << 21) / max(1, channels)) }

        /// Encodes all that `reader` holds into `blob`; returns the frames read.
        func encode(_ reader: PCMFileReader, into blob: BlobWriter) throws(CodecError) -> Int64 {
            let settings = self.settings
            let segmentFrames = Self.segmentFrames(channels: settings.channelCount)
            var frames: Int64 = 0
            var firstBlock: [UInt8]?
            try SegmentedEncoding<[UInt8]>(workers: max(1, workers)).run(
                next: { _ throws(CodecError) in
                    let samples = try reader.readSegment(frames: segmentFrames, floatBitPatterns: settings.isFloat)
                    frames += Int64(samples.count / settings.channelCount)
                    return samples.isEmpty ? nil : samples
                },
                encode: { number, samples throws(CodecError) in
                    let encoder = try StreamEncoder(settings: settings)
                    var segment = samples
                    try encoder.encode(&segment, frames: samples.count / settings.channelCount)
                    var blocks = try encoder.finish()
                    try BlockRenumbering.shiftIndexes(in: &blocks, by: Int64(number) * Int64(segmentFrames))
                    return blocks
                },
                append: { blocks throws(CodecError) in
                    if firstBlock == nil, let header = blocks.withUnsafeBytes({ try? BlockHeader.parse($0).get() }), header.size <= blocks.count {
                        firstBlock = Array(blocks[..<header.size])
                    }
                    try write(blocks, to: blob)
                })
            if var first = firstBlock, first.withUnsafeBytes({ try? BlockHeader.parse($0).get() })?.totalSamples != frames {
                try BlockRenumbering.setTotalSamples(frames, inFirstBlockOf: &first)
                let end = blob.position
                try blob.seek(to: 0)
                try write(first, to: blob)
                try blob.seek(to: end)
            }
            return frames
        }

        private func write(_ bytes: [UInt8], to blob: BlobWriter) throws(CodecError) {
            var failure: CodecError?
            bytes.withUnsafeBytes { raw in
                do throws(CodecError) { try blob.write(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }
}
