import CodecCore
import ZarrStore

extension Opus {
    /// How the page index is kept in a recording group: `opus_index`, uint64 [pages, 3]
    /// (byte_offset, page_size, first_sample). `first_sample` is the source-rate sample index of
    /// the first sample decodable from packets starting on the page, clamped at 0 for the pages
    /// whose packets lie within the pre-skip.
    enum PageIndexStorage {
        static let role = "index"
        static let arrayName = "opus_index"
        static let columns = ["byte_offset", "page_size", "first_sample"]

        /// The table's values and attributes.
        /// - Throws: ``CodecError/Code/corrupt`` when a position overflows (granule positions
        ///   near 2^63 that passed the sequencer's checks).
        private static func contents(_ index: PageIndex, timing: Timing) throws(CodecError) -> ([UInt64], [String: JSONValue]) {
            var values: [UInt64] = []
            values.reserveCapacity(3 * index.count)
            for row in 0..<index.count {
                let firstSample = max(0, try timing.checkedDecodeSamples(index.packetStarts[row]) - timing.preSkip)
                values += [UInt64(index.byteOffsets[row]), UInt64(index.pageSizes[row]), UInt64(firstSample)]
            }
            let attributes: [String: JSONValue] = [
                "total_samples": .int(try timing.checkedDecodeSamples(index.streamEnd) - timing.preSkip),
                "decode_rate": .int(Int64(timing.decodeRate)),
                "pre_skip": .int(timing.preSkip),
            ]
            return (values, attributes)
        }

        /// Writes the page index of a recording being imported.
        static func store(_ index: PageIndex, timing: Timing, in group: ZarrGroup) throws(CodecError) {
            let (values, attributes) = try contents(index, timing: timing)
            try IndexTable.write(values, columns: columns, attributes: attributes, dimensionNames: ["page", "field"], named: arrayName, in: group, codec: Opus.codecID)
        }

        /// Replaces the page index of a committed recording atomically (``IndexTable``).
        static func replace(_ index: PageIndex, timing: Timing, in group: ZarrGroup) throws(CodecError) {
            let (values, attributes) = try contents(index, timing: timing)
            try IndexTable.replace(
                role: role, defaultName: arrayName, with: values, columns: columns, attributes: attributes, dimensionNames: ["page", "field"],
                in: group, codec: Opus.codecID)
        }

        /// Rows (byte offset, page size, first sample) and the total samples, checked for order.
        static func load(from group: ZarrGroup) throws(CodecError) -> (rows: [(offset: Int64, size: Int64, firstSample: Int64)], totalSamples: Int64) {
            let table = try IndexTable.read(role: role, defaultName: arrayName, columns: 3, in: group, codec: Opus.codecID)
            var rows: [(offset: Int64, size: Int64, firstSample: Int64)] = []
            rows.reserveCapacity(table.rows)
            for r in 0..<table.rows {
                let row = (try table.value(r, 0, columns: 3), try table.value(r, 1, columns: 3), try table.value(r, 2, columns: 3))
                guard row.1 > 0, row.0 <= Int64.max - row.1,
                      r == 0 || (row.0 >= rows[r - 1].offset + rows[r - 1].size && row.2 >= rows[r - 1].firstSample)
                else {
                    throw CodecError(.corrupt, "opus_index row \(r) is out of order or empty; rebuild it with `aimport index`", codec: Opus.codecID, file: group.path)
                }
                rows.append(row)
            }
            guard let total = table.attributes["total_samples"]?.intValue.map(Int64.init), total >= (rows.last?.firstSample ?? 0) else {
                throw CodecError(.corrupt, "opus_index has no valid total_samples; rebuild it with `aimport index`", codec: Opus.codecID, file: group.path)
            }
            return (rows, total)
        }
    }

    /// How the restart points of a SILK or hybrid stream are kept: `opus_restart_points`, uint64
    /// [points, 2] (start, exact_from), decoded samples from the stream start (pre-skip
    /// included). Absent for CELT-only streams, whose pre-roll is exact without them.
    enum RestartPointStorage {
        static let role = "restart_points"
        static let arrayName = "opus_restart_points"
        static let columns = ["start", "exact_from"]
        static let attributes: [String: JSONValue] = ["units": "decoded samples from the stream start, pre-skip included"]

        /// Writes the points of a recording being imported (nothing when there are none).
        static func store(_ points: [RestartPoint], in group: ZarrGroup) throws(CodecError) {
            guard !points.isEmpty else { return }
            try IndexTable.write(
                points.flatMap { [UInt64($0.start), UInt64($0.exactFrom)] }, columns: columns, attributes: attributes,
                dimensionNames: ["point", "field"], named: arrayName, in: group, codec: Opus.codecID)
        }

        /// Replaces the points of a committed recording atomically (deletes them when there are none).
        static func replace(_ points: [RestartPoint], in group: ZarrGroup) throws(CodecError) {
            try IndexTable.replace(
                role: role, defaultName: arrayName, with: points.isEmpty ? nil : points.flatMap { [UInt64($0.start), UInt64($0.exactFrom)] },
                columns: columns, attributes: attributes, dimensionNames: ["point", "field"], in: group, codec: Opus.codecID)
        }

        /// The stored points; empty when the recording has none.
        static func load(from group: ZarrGroup) throws(CodecError) -> [RestartPoint] {
            guard IndexTable.exists(role: role, defaultName: arrayName, in: group) else { return [] }
            let table = try IndexTable.read(role: role, defaultName: arrayName, columns: 2, in: group, codec: Opus.codecID)
            return try (0..<table.rows).map { r throws(CodecError) in
                RestartPoint(start: try table.value(r, 0, columns: 2), exactFrom: try table.value(r, 1, columns: 2))
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
        /// Positions the page index holds are at most 2^63 / 48 000 (checked when indexing).
        public func decodeSamples(_ granuleUnits: Int64) -> Int64 {
            let (product, overflow) = granuleUnits.multipliedReportingOverflow(by: Int64(decodeRate))
            return overflow ? granuleUnits / Int64(Opus.granuleRate) * Int64(decodeRate) : product / Int64(Opus.granuleRate)
        }

        /// ``decodeSamples(_:)``, refusing positions whose conversion overflows.
        func checkedDecodeSamples(_ granuleUnits: Int64) throws(CodecError) -> Int64 {
            guard granuleUnits >= 0, !granuleUnits.multipliedReportingOverflow(by: Int64(decodeRate)).overflow else {
                throw CodecError(.corrupt, "stream position \(granuleUnits) (48 kHz units) is out of range", codec: Opus.codecID)
            }
            return granuleUnits * Int64(decodeRate) / Int64(Opus.granuleRate)
        }
    }
}
