/// A codec that maps an array to an array (e.g. `transpose`).
protocol ArrayToArrayCodec: Sendable {
    /// The shape of the encoded array for a decoded array of `shape`.
    func encodedShape(_ shape: [Int]) -> [Int]
    func encode(_ chunk: ChunkArray) throws(ZarrError) -> ChunkArray
    func decode(_ chunk: ChunkArray, to shape: [Int]) throws(ZarrError) -> ChunkArray
}

/// A codec that serializes an array to bytes (e.g. `bytes`, `sharding_indexed`).
protocol ArrayToBytesCodec: Sendable {
    /// Encodes `chunk`, which it owns (a codec may turn the chunk's own buffer into the result).
    func encode(_ chunk: consuming ChunkArray) throws(ZarrError) -> [UInt8]
    func decode(_ bytes: [UInt8], shape: [Int]) throws(ZarrError) -> ChunkArray
    /// The encoded size when it does not depend on the data (needed for shard indexes).
    func fixedEncodedSize(shape: [Int]) -> Int?
    /// The most bytes a chunk of `shape` can encode to; nil when that overflows.
    func maximumEncodedSize(shape: [Int]) -> Int?
}

/// A codec that maps bytes to bytes (e.g. `zstd`, `crc32c`).
protocol BytesToBytesCodec: Sendable {
    func encode(_ bytes: [UInt8]) throws(ZarrError) -> [UInt8]
    /// Decodes `bytes`; output beyond `limit` bytes (the most the next codec can take) is
    /// refused before it is produced, so a small crafted input cannot allocate gigabytes.
    func decode(_ bytes: [UInt8], limit: Int) throws(ZarrError) -> [UInt8]
    /// The encoded size for `size` input bytes when it does not depend on the data.
    func fixedEncodedSize(_ size: Int) -> Int?
    /// The most bytes `size` input bytes can encode to; nil when that overflows.
    func maximumEncodedSize(_ size: Int) -> Int?
}
