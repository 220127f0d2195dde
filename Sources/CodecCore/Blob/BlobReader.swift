import ZarrStore

/// Reads byte ranges of a recording's encoded-stream blob (a 1-D uint8 Zarr array) straight
/// from the store; only the bytes asked for are read.
public struct BlobReader: Sendable {
    public let array: ZarrArray
    public let length: Int64
    /// The blob's storage granularity (inner chunk size of the shards, or the chunk size).
    public let chunkBytes: Int

    public init(_ array: ZarrArray) throws(CodecError) {
        guard array.metadata.dataType == .uint8, array.shape.count == 1 else {
            throw CodecError(.incompleteRecording, "'\(array.path)' is not a 1-D uint8 blob array")
        }
        self.array = array
        length = Int64(array.shape[0])
        if case .shardingIndexed(let sharding)? = array.metadata.codecs.first {
            chunkBytes = sharding.chunkShape[0]
        } else {
            chunkBytes = array.metadata.chunkShape[0]
        }
    }

    /// The bytes `range` (clamped to the blob).
    public func read(_ range: Range<Int64>) throws(CodecError) -> [UInt8] {
        let lower = max(0, range.lowerBound), upper = min(range.upperBound, length)
        guard lower < upper else { return [] }
        do {
            return try array.readBytes(Int(lower)..<Int(upper))
        } catch {
            throw CodecError(.storage, "cannot read blob bytes \(lower)..<\(upper): \(error)", file: array.path, byteOffset: lower)
        }
    }

    /// `requested` rounded up to a whole number of storage chunks, so ranges stay aligned.
    public func alignedRangeBytes(_ requested: Int) -> Int {
        max(1, (requested + chunkBytes - 1) / chunkBytes) * chunkBytes
    }
}
