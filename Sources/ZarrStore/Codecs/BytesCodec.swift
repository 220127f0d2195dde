/// The `bytes` codec: elements in a fixed byte order, C order.
struct BytesCodec: ArrayToBytesCodec {
    let endian: CodecSpec.Endian
    let elementSize: Int

    var swaps: Bool {
        let hostIsLittle = 1.littleEndian == 1
        return elementSize > 1 && (endian == .little) != hostIsLittle
    }

    func encode(_ chunk: consuming ChunkArray) throws(ZarrError) -> [UInt8] {
        swaps ? Self.swapped(chunk.bytes, elementSize: elementSize) : (consume chunk).bytes
    }

    func decode(_ bytes: [UInt8], shape: [Int]) throws(ZarrError) -> ChunkArray {
        let expected = Shape.byteCount(shape, elementSize: elementSize) ?? -1
        guard bytes.count == expected else {
            throw ZarrError(.corruptChunk, "chunk holds \(bytes.count) bytes, its shape \(shape) needs \(expected)")
        }
        return ChunkArray(bytes: swaps ? Self.swapped(bytes, elementSize: elementSize) : bytes, shape: shape, elementSize: elementSize)
    }

    func fixedEncodedSize(shape: [Int]) -> Int? { Shape.byteCount(shape, elementSize: elementSize) }

    func maximumEncodedSize(shape: [Int]) -> Int? { fixedEncodedSize(shape: shape) }

    private static func swapped(_ bytes: [UInt8], elementSize: Int) -> [UInt8] {
        var out = bytes
        out.withUnsafeMutableBytes { raw in
            var i = 0
            while i < raw.count {
                var lo = i, hi = i + elementSize - 1
                while lo < hi {
                    raw.swapAt(lo, hi)
                    lo += 1
                    hi -= 1
                }
                i += elementSize
            }
        }
        return out
    }
}
