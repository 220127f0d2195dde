import ZarrStore

/// Reads byte ranges of a recording's encoded-stream blob (a 1-D uint8 Zarr array) straight
/// from the store; only the bytes asked for are read.
public struct BlobReader: Sendable {
    public let array: ZarrArray
    public let length: Int64
    /// The blob's storage granularity (inner chunk size of the shards, or the chunk size).
    public let chunkBytes: Int
    /// Bytes per shard (or chunk): one stored object each.
    public let shardBytes: Int
    /// Shards the writer found entirely zero: Zarr does not store them, so their absence is not
    /// a loss (``BlobWriter`` records them in the array attribute `all_zero_shards`).
    public let zeroShards: Set<Int>

    /// The array attribute listing the shards that are all zero bytes.
    public static let zeroShardsAttribute = "all_zero_shards"

    public init(_ array: ZarrArray) throws(CodecError) {
        guard array.metadata.dataType == .uint8, array.shape.count == 1 else {
            throw CodecError(.incompleteRecording, "'\(array.path)' is not a 1-D uint8 blob array")
        }
        self.array = array
        length = Int64(array.shape[0])
        shardBytes = max(1, array.metadata.chunkShape[0])
        if case .shardingIndexed(let sharding)? = array.metadata.codecs.first, let inner = sharding.chunkShape.first, inner > 0 {
            chunkBytes = inner
        } else {
            chunkBytes = shardBytes
        }
        zeroShards = Set(array.metadata.attributes[Self.zeroShardsAttribute]?.arrayValue?.compactMap(\.intValue) ?? [])
    }

    /// The bytes `range` (clamped to the blob).
    /// - Throws: ``CodecError/Code/missingData`` when a shard holding part of it is not stored
    ///   (deleted), ``CodecError/Code/corrupt`` when a shard does not decode.
    public func read(_ range: Range<Int64>) throws(CodecError) -> [UInt8] {
        let lower = max(0, range.lowerBound), upper = min(range.upperBound, length)
        guard lower < upper else { return [] }
        do {
            for shard in Int(lower / Int64(shardBytes))...Int((upper - 1) / Int64(shardBytes)) where !zeroShards.contains(shard) {
                guard try array.isChunkStored([shard]) else {
                    let start = Int64(shard) * Int64(shardBytes)
                    throw CodecError(
                        .missingData, "blob shard '\(array.chunkKey([shard]))' (bytes \(start)..<\(min(length, start + Int64(shardBytes)))) is missing from the store",
                        file: array.path, byteOffset: start)
                }
            }
            return try array.readBytes(Int(lower)..<Int(upper))
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError.store(error, "cannot read blob bytes \(lower)..<\(upper)", file: array.path, byteOffset: lower)
        }
    }

    /// `requested` rounded up to a whole number of storage chunks, so ranges stay aligned.
    public func alignedRangeBytes(_ requested: Int) -> Int {
        max(1, (requested + chunkBytes - 1) / chunkBytes) * chunkBytes
    }
}
