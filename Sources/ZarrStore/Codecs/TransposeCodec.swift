/// The `transpose` codec: output dimension `i` is input dimension `order[i]` (numpy's `transpose`).
struct TransposeCodec: ArrayToArrayCodec {
    let order: [Int]

    func encodedShape(_ shape: [Int]) -> [Int] { order.map { shape[$0] } }

    func encode(_ chunk: ChunkArray) throws(ZarrError) -> ChunkArray {
        Self.permute(chunk, order: order)
    }

    func decode(_ chunk: ChunkArray, to shape: [Int]) throws(ZarrError) -> ChunkArray {
        var inverse = Array(repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        let result = Self.permute(chunk, order: inverse)
        guard result.shape == shape else {
            throw ZarrError(.corruptChunk, "transposed chunk has shape \(result.shape), expected \(shape)")
        }
        return result
    }

    /// Returns the array whose element at index `o` is the input's element at index `p`,
    /// where `p[order[i]] = o[i]`.
    private static func permute(_ chunk: ChunkArray, order: [Int]) -> ChunkArray {
        let rank = chunk.shape.count
        let outShape = order.map { chunk.shape[$0] }
        let size = chunk.elementSize
        var inStrides = Array(repeating: size, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * chunk.shape[d + 1] }
        let walkStrides = order.map { inStrides[$0] }
        let count = outShape.reduce(1, *)
        let bytes = [UInt8](unsafeUninitializedCapacity: count * size) { out, initialized in
            chunk.bytes.withUnsafeBytes { input in
                var index = Array(repeating: 0, count: rank)
                var inOffset = 0
                for n in 0..<count {
                    UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[n * size..<(n + 1) * size])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: input[inOffset..<inOffset + size]))
                    var d = rank - 1
                    while d >= 0 {
                        index[d] += 1
                        inOffset += walkStrides[d]
                        if index[d] < outShape[d] { break }
                        inOffset -= walkStrides[d] * index[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
            initialized = count * size
        }
        return ChunkArray(bytes: bytes, shape: outShape, elementSize: size)
    }
}
