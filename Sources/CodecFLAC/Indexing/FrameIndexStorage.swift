import CodecCore
import ZarrStore

extension FLAC.FrameIndex {
    /// The index array's name in a recording group.
    static let arrayName = "flac_index"

    /// Writes the index as `flac_index`: uint64, shape [frames, 3] (byte_offset, frame_size,
    /// first_sample), zstd-compressed; replaces an existing one.
    func store(in group: ZarrGroup) throws(CodecError) {
        var values: [UInt64] = []
        values.reserveCapacity(3 * count)
        for row in 0..<count {
            values += [UInt64(byteOffsets[row]), UInt64(frameSizes[row]), UInt64(firstSamples[row])]
        }
        do {
            if (try? group.array(Self.arrayName)) != nil { try group.deleteChild(Self.arrayName) }
            let array = try group.createArray(Self.arrayName, metadata: ArrayMetadata(
                shape: [count, 3], dataType: .uint64, chunkShape: [65_536, 3],
                codecs: [.bytes(endian: .little), .zstd(level: 3, checksum: false)],
                attributes: ["columns": ["byte_offset", "frame_size", "first_sample"], "total_samples": .int(totalSamples)],
                dimensionNames: ["frame", "field"]))
            try array.write(values)
        } catch {
            throw CodecError(.storage, "cannot write the frame index: \(error)", codec: FLAC.codecID, file: group.path)
        }
    }

    /// Reads `flac_index` from a recording group.
    static func load(from group: ZarrGroup) throws(CodecError) -> FLAC.FrameIndex {
        do {
            let array = try group.array(arrayName)
            guard array.shape.count == 2, array.shape[1] == 3 else {
                throw CodecError(.incompleteRecording, "flac_index has shape \(array.shape), [frames, 3] expected", codec: FLAC.codecID, file: group.path)
            }
            let values = try array.read(UInt64.self)
            var index = FLAC.FrameIndex()
            let rows = array.shape[0]
            index.byteOffsets.reserveCapacity(rows)
            index.frameSizes.reserveCapacity(rows)
            index.firstSamples.reserveCapacity(rows)
            for row in 0..<rows {
                index.byteOffsets.append(Int64(values[3 * row]))
                index.frameSizes.append(Int64(values[3 * row + 1]))
                index.firstSamples.append(Int64(values[3 * row + 2]))
            }
            index.totalSamples = array.metadata.attributes["total_samples"]?.intValue.map(Int64.init) ?? 0
            return index
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError(.incompleteRecording, "cannot read the frame index: \(error)", codec: FLAC.codecID, file: group.path)
        }
    }
}
