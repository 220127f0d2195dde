import CodecCore
import Testing
import TestSupport
import ZarrStore

/// ``BlobWriter`` against a plain byte array: a stream appended in pieces of any size and patched
/// anywhere (in shards already stored, across their boundaries, in the buffer), with shards of
/// zero bytes, reads back as written and records exactly the shards that hold only zeros (Zarr
/// stores none of them).
@Suite struct BlobWriterTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func patchedStreamsReadBackAsWritten(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let shardBytes = 64
        for length in [0, 1, 63, 64, 65, 128, 200, 333, 640] {
            // Shard 2 is all zeros, and with an even seed the first one too (until patched).
            var payload = (0..<length).map { _ in UInt8.random(in: 1...255, using: &random) }
            for index in payload.indices where index / shardBytes == 2 || (seed % 2 == 0 && index < shardBytes) { payload[index] = 0 }
            let group = try ZarrGroup.create(in: MemoryStore(), at: "r")
            let writer = try BlobWriter(in: group, name: "blob", shardBytes: shardBytes, innerChunkBytes: 16)
            var expected: [UInt8] = []
            while expected.count < length {
                let count = min(length - expected.count, Int.random(in: 1...40, using: &random))
                let piece = Array(payload[expected.count..<expected.count + count])
                try writer.write(piece)
                expected += piece
                if Int.random(in: 0..<3, using: &random) == 0 {
                    let offset = Int.random(in: 0..<expected.count, using: &random)
                    let patch = (0..<Int.random(in: 1...min(90, expected.count - offset), using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                    try writer.rewrite(patch, at: Int64(offset))
                    expected.replaceSubrange(offset..<offset + patch.count, with: patch)
                }
                #expect(writer.position == Int64(expected.count))
            }
            if length >= 4 {
                // As FLAC completes STREAMINFO at the end.
                try writer.rewrite([0x66, 0x4C, 0x61, 0x43], at: 0)
                expected.replaceSubrange(0..<4, with: [0x66, 0x4C, 0x61, 0x43])
            }
            let array = try writer.finish()
            #expect(array.metadata.shape == [length], "length \(length)")
            #expect(try BlobReader(array).read(0..<Int64(length)) == expected, "seed \(seed), length \(length)")
            let zeroShards = stride(from: 0, to: length, by: shardBytes).filter { start in
                expected[start..<min(start + shardBytes, length)].allSatisfy { $0 == 0 }
            }.map { $0 / shardBytes }
            let recorded = array.metadata.attributes[BlobReader.zeroShardsAttribute]?.arrayValue?.compactMap(\.intValue) ?? []
            #expect(recorded.map { Int($0) } == zeroShards, "seed \(seed), length \(length)")
        }
    }
}
