import CodecCore
import ZarrStore

extension FLAC.FrameIndex {
    /// The index table's role and default name in a recording group.
    static let role = "index"
    static let arrayName = "flac_index"
    static let columns = ["byte_offset", "frame_size", "first_sample"]

    private var values: [UInt64] {
        var values: [UInt64] = []
        values.reserveCapacity(3 * count)
        for row in 0..<count {
            values += [UInt64(byteOffsets[row]), UInt64(frameSizes[row]), UInt64(firstSamples[row])]
        }
        return values
    }

    /// Writes the index as `flac_index`: uint64 [frames, 3] (byte_offset, frame_size,
    /// first_sample), zstd-compressed, into a recording being imported.
    func store(in group: ZarrGroup) throws(CodecError) {
        try IndexTable.write(
            values, columns: Self.columns, attributes: ["total_samples": .int(totalSamples)], dimensionNames: ["frame", "field"],
            named: Self.arrayName, in: group, codec: FLAC.codecID)
    }

    /// Replaces the index of a committed recording atomically (``IndexTable``).
    func replace(in group: ZarrGroup) throws(CodecError) {
        try IndexTable.replace(
            role: Self.role, defaultName: Self.arrayName, with: values, columns: Self.columns, attributes: ["total_samples": .int(totalSamples)],
            dimensionNames: ["frame", "field"], in: group, codec: FLAC.codecID)
    }

    /// Reads the frame index of a recording group, checking that it describes frames in order.
    static func load(from group: ZarrGroup) throws(CodecError) -> FLAC.FrameIndex {
        let table = try IndexTable.read(role: role, defaultName: arrayName, columns: 3, in: group, codec: FLAC.codecID)
        var index = FLAC.FrameIndex()
        index.byteOffsets.reserveCapacity(table.rows)
        index.frameSizes.reserveCapacity(table.rows)
        index.firstSamples.reserveCapacity(table.rows)
        for row in 0..<table.rows {
            let offset = try table.value(row, 0, columns: 3), size = try table.value(row, 1, columns: 3), first = try table.value(row, 2, columns: 3)
            // Frames lie one after another and start later in the stream than the one before.
            guard size > 0, offset <= Int64.max - size,
                  row == 0 || (offset >= index.byteOffsets[row - 1] + index.frameSizes[row - 1] && first > index.firstSamples[row - 1])
            else {
                throw CodecError(.corrupt, "flac_index row \(row) is out of order or empty; rebuild it with `aimport index`", codec: FLAC.codecID, file: group.path)
            }
            index.byteOffsets.append(offset)
            index.frameSizes.append(size)
            index.firstSamples.append(first)
        }
        guard let total = table.attributes["total_samples"]?.intValue.map(Int64.init), total >= (index.firstSamples.last ?? 0) else {
            throw CodecError(.corrupt, "flac_index has no valid total_samples; rebuild it with `aimport index`", codec: FLAC.codecID, file: group.path)
        }
        index.totalSamples = total
        return index
    }
}
