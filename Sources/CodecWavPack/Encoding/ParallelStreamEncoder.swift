import AudioInput
import CodecCore

extension WavPack {
    /// Encodes a source into one WavPack stream on several cores (``SegmentedEncoding``):
    /// segments of ``segmentFrames(channels:)`` frames, each coded by a libwavpack context of its
    /// own (``StreamEncoder``; WavPack blocks decode on their own, each carrying its decorrelation
    /// state), its blocks moved to the segment's place in the stream (block index and checksum
    /// rewritten, ``BlockRenumbering``) and appended in order; the first block gets the total at
    /// the end. The blocks' headers go through the index's ``FrameSequencer`` as they are
    /// written, so the stream's index comes from the encoder, without reading the blob back. Segment boundaries depend on the channel count only, so the bytes are the same
    /// whatever the number of workers; each segment starts libwavpack's adaptation afresh, which
    /// costs a little compression (measured in docs/BENCHMARKS.md).
    struct ParallelStreamEncoder {
        let settings: StreamEncoder.Settings
        let workers: Int

        /// Frames per segment: about 2^20 samples over all channels (4 MiB of samples in memory; 8 MiB
        /// segments cost 0.0035 % less in size and 15-20 MiB more peak memory, see docs/BENCHMARKS.md).
        static func segmentFrames(channels: Int) -> Int { max(1, (1 << 20) / max(1, channels)) }

        /// Encodes all that `reader` holds into `blob`; returns the frames read and where the
        /// frames lie (nil if the blocks did not sequence into frames holding every sample).
        func encode(_ reader: PCMFileReader, into blob: BlobWriter) throws(CodecError) -> (frames: Int64, encoded: EncodedFrames?) {
            let settings = self.settings
            let segmentFrames = Self.segmentFrames(channels: settings.channelCount)
            var frames: Int64 = 0
            var firstBlock: [UInt8]?
            var sequencer = FrameSequencer(streamStart: 0)
            try SegmentedEncoding<[UInt8]>(workers: max(1, workers)).run(
                next: { _ throws(CodecError) in
                    let pieces = try reader.readSegment(frames: segmentFrames, floatBitPatterns: settings.isFloat)
                    frames += Int64(pieces.reduce(0) { $0 + $1.count } / settings.channelCount)
                    return pieces.isEmpty ? nil : pieces
                },
                encode: { number, samples throws(CodecError) in
                    let encoder = try StreamEncoder(settings: settings)
                    encoder.reserveOutput(samples.uncompressedBytes(bitsPerSample: settings.bitsPerSample))
                    // libwavpack takes a mutable buffer: a piece is copied first only while the
                    // pipeline's observer still reads it.
                    while var piece = samples.nextPiece() {
                        try encoder.encode(&piece, frames: piece.count / settings.channelCount)
                    }
                    var blocks = try encoder.finish()
                    try BlockRenumbering.shiftIndexes(in: &blocks, by: Int64(number) * Int64(segmentFrames))
                    return blocks
                },
                append: { blocks throws(CodecError) in
                    let base = blob.position
                    for (offset, header) in try BlockHeader.blocks(in: blocks) {
                        if firstBlock == nil { firstBlock = Array(blocks[offset..<offset + header.size]) }
                        try sequencer.accept(BlockCandidate(offset: base + Int64(offset), header: header))
                    }
                    try blob.write(blocks)
                })
            if var first = firstBlock, first.withUnsafeBytes({ try? BlockHeader.parse($0).get() })?.totalSamples != frames {
                try BlockRenumbering.setTotalSamples(frames, inFirstBlockOf: &first)
                try blob.rewrite(first, at: 0)
            }
            let index = try sequencer.finish()
            guard sequencer.rejected.total == 0, index.totalSamples == frames else { return (frames, nil) }
            var encoded = EncodedFrames()
            for row in 0..<index.count {
                encoded.add(at: index.byteOffsets[row], bytes: Int(index.frameSizes[row]), samples: Int(index.sampleCounts[row]))
            }
            return (frames, encoded)
        }
    }
}
