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

    /// How the restart points of a SILK or hybrid stream are kept: `opus_restart_points`, uint64
    /// [points, 2] (start, exact_from), decoded samples from the stream start (pre-skip
    /// included). Absent for CELT-only streams, whose pre-roll is exact without them.
    enum RestartPointStorage {
        static let arrayName = "opus_restart_points"

        static func store(_ points: [RestartPoint], in group: ZarrGroup) throws(CodecError) {
            do {
                if (try? group.array(arrayName)) != nil { try group.deleteChild(arrayName) }
                guard !points.isEmpty else { return }
                let array = try group.createArray(arrayName, metadata: ArrayMetadata(
                    shape: [points.count, 2], dataType: .uint64, chunkShape: [65_536, 2],
                    codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false)],
                    attributes: ["columns": ["start", "exact_from"], "units": "decoded samples from the stream start, pre-skip included"],
                    dimensionNames: ["point", "field"]))
                try array.write(points.flatMap { [UInt64($0.start), UInt64($0.exactFrom)] })
            } catch {
                throw CodecError(.storage, "cannot write the restart points: \(error)", codec: Opus.codecID, file: group.path)
            }
        }

        /// The stored points; empty when the recording has none.
        static func load(from group: ZarrGroup) throws(CodecError) -> [RestartPoint] {
            guard let array = try? group.array(arrayName) else { return [] }
            do {
                guard array.shape.count == 2, array.shape[1] == 2 else {
                    throw CodecError(.incompleteRecording, "\(arrayName) has shape \(array.shape), [points, 2] expected", codec: Opus.codecID, file: group.path)
                }
                let values = try array.read(UInt64.self)
                return try (0..<array.shape[0]).map { r throws(CodecError) in
                    guard values[2 * r] <= UInt64(Int64.max), values[2 * r + 1] <= UInt64(Int64.max) else {
                        throw CodecError(.incompleteRecording, "\(arrayName) row \(r) is out of range", codec: Opus.codecID, file: group.path)
                    }
                    return RestartPoint(start: Int64(values[2 * r]), exactFrom: Int64(values[2 * r + 1]))
                }
            } catch let error as CodecError {
                throw error
            } catch {
                throw CodecError(.incompleteRecording, "cannot read the restart points: \(error)", codec: Opus.codecID, file: group.path)
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
