import CodecCore

extension FLAC {
    /// Checks the CRC-16 of every indexed frame, in parallel over contiguous runs of frames, and
    /// drops the damaged ones from the index.
    enum FrameVerifier {
        static func verify(_ index: FrameIndex, blob: BlobReader, rangeBytes: Int, workers: Int) async throws(CodecError) -> (FrameIndex, damaged: Int) {
            let bad = try await badRows(index, blob: blob, rangeBytes: rangeBytes, workers: workers)
            return (kept(index, dropping: bad), bad.count)
        }

        private static func badRows(_ index: FrameIndex, blob: BlobReader, rangeBytes: Int, workers: Int) async throws(CodecError) -> Set<Int> {
            // Runs of consecutive rows spanning about `rangeBytes` each.
            var runs: [Range<Int>] = []
            var start = 0
            while start < index.count {
                var end = start + 1
                while end < index.count, index.byteOffsets[end] + index.frameSizes[end] - index.byteOffsets[start] <= Int64(rangeBytes) { end += 1 }
                runs.append(start..<end)
                start = end
            }
            // From object storage each run waits for its requests: threads of their own keep `workers` of them in flight.
            let placement = BoundedTasks.Placement(readsAreRoundTrips: blob.array.readsAreRoundTrips)
            let rows = try await BoundedTasks.map(runs, workers: workers, placement: placement) { (run) throws(CodecError) in
                try damagedRows(run, of: index, blob: blob)
            }
            return Set(rows.joined())
        }

        /// The rows of `index` whose frames fail their CRC-16, in order.
        static func damagedRows(of index: FrameIndex, blob: BlobReader, rangeBytes: Int, workers: Int) async throws(CodecError) -> [Int] {
            try await badRows(index, blob: blob, rangeBytes: rangeBytes, workers: workers).sorted()
        }

        private static func kept(_ index: FrameIndex, dropping bad: Set<Int>) -> FrameIndex {
            guard !bad.isEmpty else { return index }
            var kept = FrameIndex()
            kept.totalSamples = index.totalSamples
            for row in 0..<index.count where !bad.contains(row) {
                kept.byteOffsets.append(index.byteOffsets[row])
                kept.frameSizes.append(index.frameSizes[row])
                kept.firstSamples.append(index.firstSamples[row])
            }
            return kept
        }

        private static func damagedRows(_ run: Range<Int>, of index: FrameIndex, blob: BlobReader) throws(CodecError) -> [Int] {
            let base = index.byteOffsets[run.lowerBound]
            let bytes = try blob.read(base..<index.byteOffsets[run.upperBound - 1] + index.frameSizes[run.upperBound - 1])
            return bytes.withUnsafeBytes { raw in
                run.filter { row in
                    let start = Int(index.byteOffsets[row] - base)
                    return !CRC.frameIsIntact(UnsafeRawBufferPointer(rebasing: raw[start..<start + Int(index.frameSizes[row])]))
                }
            }
        }
    }
}
