import CodecCore
import ZarrStore

extension Opus {
    /// How the page index is kept in a recording group: `opus_index`, uint64 [pages, 3]
    /// (byte_offset, page_size, first_sample). `first_sample` is the source-rate sample index of
    /// the first sample decodable from packets starting on the page, clamped at 0 for the pages
    /// whose packets lie within the pre-skip.
    enum PageIndexStorage {
        static let arrayName = "opus_index"

        static func store(_ index: PageIndex, timing: Timing, in group: ZarrGroup) throws(CodecError) {
            var values: [UInt64] = []
            values.reserveCapacity(3 * index.count)
            for row in 0..<index.count {
                let firstSample = max(0, timing.decodeSamples(index.packetStarts[row]) - timing.preSkip)
                values += [UInt64(index.byteOffsets[row]), UInt64(index.pageSizes[row]), UInt64(firstSample)]
            }
            do {
                if (try? group.array(arrayName)) != nil { try group.deleteChild(arrayName) }
                let array = try group.createArray(arrayName, metadata: ArrayMetadata(
                    shape: [index.count, 3], dataType: .uint64, chunkShape: [65_536, 3],
                    codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false)],
                    attributes: [
                        "columns": ["byte_offset", "page_size", "first_sample"],
                        "total_samples": .int(timing.decodeSamples(index.streamEnd) - timing.preSkip),
                        "decode_rate": .int(Int64(timing.decodeRate)),
                        "pre_skip": .int(timing.preSkip),
                    ],
                    dimensionNames: ["page", "field"]))
                try array.write(values)
            } catch {
                throw CodecError(.storage, "cannot write the page index: \(error)", codec: Opus.codecID, file: group.path)
            }
        }

        /// Rows (byte offset, page size, first sample) and the total samples.
        static func load(from group: ZarrGroup) throws(CodecError) -> (rows: [(offset: Int64, size: Int64, firstSample: Int64)], totalSamples: Int64) {
            do {
                let array = try group.array(arrayName)
                let values = try array.read(UInt64.self)
                let rows = (0..<array.shape[0]).map { r in (Int64(values[3 * r]), Int64(values[3 * r + 1]), Int64(values[3 * r + 2])) }
                return (rows, array.metadata.attributes["total_samples"]?.intValue.map(Int64.init) ?? 0)
            } catch {
                throw CodecError(.incompleteRecording, "cannot read the page index: \(error)", codec: Opus.codecID, file: group.path)
            }
        }
    }

    /// The relation between the stream's 48 kHz granule units and decoded samples.
    public struct Timing: Sendable {
        /// The rate the stream is decoded at (an Opus rate); decoded samples map 1:1 to source samples.
        public let decodeRate: Int
        /// Pre-skip in decoded samples.
        public let preSkip: Int64

        public init(head: Head, decodeRate: Int) {
            self.decodeRate = decodeRate
            preSkip = Int64(head.preSkip) * Int64(decodeRate) / Int64(Opus.granuleRate)
        }

        /// 48 kHz units to decoded samples (exact: packet durations are multiples of 2.5 ms).
        public func decodeSamples(_ granuleUnits: Int64) -> Int64 {
            granuleUnits * Int64(decodeRate) / Int64(Opus.granuleRate)
        }
    }
}
