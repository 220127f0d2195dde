import Testing
import TestSupport
@testable import ZarrStore

/// A one-dimensional shard whose inner chunks are stored as they are is, by the sharding spec,
/// its non-fill inner chunks one after another followed by the index (offset, size pairs, then
/// the index's CRC-32C). Checked byte for byte on the stored object, whether the shard is
/// encoded in its own buffer (every inner chunk holds data) or inner chunk by inner chunk
/// (some are fill value and left out), through both ways of storing a chunk.
@Suite struct ShardLayoutTests {
    static let shardBytes = 256, innerBytes = 64

    static func makeArray() throws -> (MemoryStore, ZarrArray) {
        let store = MemoryStore()
        let array = try ZarrGroup.create(in: store).createArray("blob", metadata: ArrayMetadata(
            shape: [4 * shardBytes], dataType: .uint8, chunkShape: [shardBytes],
            codecs: [.shardingIndexed(ShardingSpec(chunkShape: [innerBytes], codecs: [.bytes(endian: nil)]))]))
        return (store, array)
    }

    /// The shard the spec describes for `data`: inner chunks that are not all zero, then the index.
    static func expectedShard(_ data: [UInt8]) -> [UInt8] {
        var body: [UInt8] = [], entries: [UInt64] = []
        for start in stride(from: 0, to: data.count, by: innerBytes) {
            let inner = Array(data[start..<start + innerBytes])
            if inner.allSatisfy({ $0 == 0 }) {
                entries += [UInt64.max, UInt64.max]
            } else {
                entries += [UInt64(body.count), UInt64(innerBytes)]
                body += inner
            }
        }
        var index: [UInt8] = []
        for entry in entries { index += (0..<8).map { UInt8(truncatingIfNeeded: entry >> (8 * UInt64($0))) } }
        let crc = CRC32C.checksum(index)
        return body + index + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
    }

    @Test(arguments: [0, 1, 2, 3])
    func storedShardsFollowTheSpec(_ seed: Int) throws {
        var random = SeededGenerator(state: UInt64(seed))
        let (store, array) = try Self.makeArray()
        var written: [UInt8] = []
        for shard in 0..<4 {
            var data = (0..<Self.shardBytes).map { _ in UInt8.random(in: 1...255, using: &random) }
            // Shard 0 holds data everywhere; the others have some inner chunks of zeros.
            for inner in 0..<Self.shardBytes / Self.innerBytes where shard > 0 && Bool.random(using: &random) {
                data.replaceSubrange(inner * Self.innerBytes..<(inner + 1) * Self.innerBytes, with: repeatElement(0, count: Self.innerBytes))
            }
            if shard % 2 == 0 {
                var buffer = data
                buffer.reserveCapacity(array.encodedChunkCapacity ?? 0)
                try array.store(try array.encodedChunk(buffer, at: [shard]))
            } else {
                try array.write(data, origin: [shard * Self.shardBytes], shape: [Self.shardBytes])
            }
            let stored = try store.get("blob/c/\(shard)")
            if data.allSatisfy({ $0 == 0 }) {
                #expect(stored == nil)
            } else {
                #expect(stored == Self.expectedShard(data), "shard \(shard)")
            }
            written += data
        }
        #expect(try array.read(UInt8.self) == written)
    }
}
