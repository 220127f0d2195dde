import CodecCore
import ZarrStore

extension WavPack.FrameIndex {
    static let role = "index"
    static let arrayName = "wavpack_index"
    static let columns = ["byte_offset", "frame_size", "first_sample", "samples"]

    private var values: [UInt64] {
        (0..<count).flatMap { [UInt64(byteOffsets[$0]), UInt64(frameSizes[$0]), UInt64(firstSamples[$0]), UInt64(sampleCounts[$0])] }
    }

    private var attributes: [String: JSONValue] { ["total_samples": .int(totalSamples), "channels": .int(Int64(channelCount))] }

    /// Writes `wavpack_index` (uint64 [frames, 4]) into a recording being imported.
    func store(in group: ZarrGroup) throws(CodecError) {
        try IndexTable.write(values, columns: Self.columns, attributes: attributes, dimensionNames: ["frame", "field"], named: Self.arrayName, in: group, codec: WavPack.codecID)
    }

    /// Replaces the index of a committed recording atomically.
    func replace(in group: ZarrGroup) throws(CodecError) {
        try IndexTable.replace(
            role: Self.role, defaultName: Self.arrayName, with: values, columns: Self.columns, attributes: attributes,
            dimensionNames: ["frame", "field"], in: group, codec: WavPack.codecID)
    }

    /// Reads and checks the index of a recording group (frames in order, no overlaps).
    static func load(from group: ZarrGroup) throws(CodecError) -> WavPack.FrameIndex {
        let table = try IndexTable.read(role: role, defaultName: arrayName, columns: 4, in: group, codec: WavPack.codecID)
        var index = WavPack.FrameIndex()
        for row in 0..<table.rows {
            let offset = try table.value(row, 0, columns: 4), size = try table.value(row, 1, columns: 4)
            let first = try table.value(row, 2, columns: 4), samples = try table.value(row, 3, columns: 4)
            guard size > 0, samples > 0, offset <= Int64.max - size, first <= Int64.max - samples,
                  row == 0 || (offset >= index.byteOffsets[row - 1] + index.frameSizes[row - 1] && first >= index.firstSamples[row - 1] + index.sampleCounts[row - 1])
            else {
                throw CodecError(.corrupt, "wavpack_index row \(row) is out of order or empty; rebuild it with `aimport index`", codec: WavPack.codecID, file: group.path)
            }
            index.byteOffsets.append(offset)
            index.frameSizes.append(size)
            index.firstSamples.append(first)
            index.sampleCounts.append(samples)
        }
        guard let total = table.attributes["total_samples"]?.intValue.map(Int64.init), let channels = table.attributes["channels"]?.intValue,
              total >= (index.firstSamples.last.map { $0 + index.sampleCounts[index.count - 1] } ?? 0), channels > 0 || index.count == 0
        else {
            throw CodecError(.corrupt, "wavpack_index has no valid total_samples or channels; rebuild it with `aimport index`", codec: WavPack.codecID, file: group.path)
        }
        index.totalSamples = total
        index.channelCount = channels
        return index
    }
}
