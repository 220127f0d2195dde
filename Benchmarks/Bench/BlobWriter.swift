import ZarrStore

/// Fills a new 1-D uint8 array with pseudo-random bytes by appending whole chunks, so memory
/// stays at one chunk whatever the array's size.
enum BlobWriter {
    static func fill(root: ZarrGroup, name: String, size: Int, chunk: Int, codecs: [CodecSpec]) throws {
        var array = try root.createArray(
            name, metadata: ArrayMetadata(shape: [0], dataType: .uint8, chunkShape: [chunk], codecs: codecs))
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        var written = 0
        while written < size {
            let count = min(chunk, size - written)
            let piece = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    // xorshift64: fast, incompressible-looking bytes
                    state ^= state << 13
                    state ^= state >> 7
                    state ^= state << 17
                    buffer[i] = UInt8(truncatingIfNeeded: state)
                }
                initialized = count
            }
            try array.append(piece)
            written += count
        }
    }
}
