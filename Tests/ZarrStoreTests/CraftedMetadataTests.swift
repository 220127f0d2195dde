import Foundation
import Testing
@testable import ZarrStore

/// Metadata and chunks crafted to overflow sizes or to inflate: each is a typed error, never a
/// trap and never a large allocation.
@Suite struct CraftedMetadataTests {
    static func arrayDocument(shape: [Int], chunks: [Int], dataType: String = "int32", codecs: String = #"[{"name":"bytes","configuration":{"endian":"little"}}]"#) -> [UInt8] {
        Array("""
        {"zarr_format":3,"node_type":"array","shape":\(shape),"data_type":"\(dataType)",
         "chunk_grid":{"name":"regular","configuration":{"chunk_shape":\(chunks)}},
         "chunk_key_encoding":{"name":"default"},"fill_value":0,"codecs":\(codecs)}
        """.utf8)
    }

    @Test(arguments: [
        ([Int.max / 2, 4], [1, 1]),  // the element count overflows
        ([1 << 62], [1 << 61]),  // the chunk's bytes overflow (x 4)
        ([3], [Int.max]),  // the chunk alone overflows
    ])
    func shapesWhoseSizeOverflowsAreRefused(_ shape: [Int], _ chunks: [Int]) throws {
        let store = MemoryStore()
        try store.set("a/zarr.json", Self.arrayDocument(shape: shape, chunks: chunks))
        let error = #expect(throws: ZarrError.self) { try ZarrArray.open(readOnly: store, at: "a") }
        #expect(error?.code == .invalidMetadata)
    }

    @Test func aShardWhoseInnerChunkCountOverflowsIsRefused() throws {
        let store = MemoryStore()
        let sharding = #"[{"name":"sharding_indexed","configuration":{"chunk_shape":[1,1],"codecs":[{"name":"bytes","configuration":{"endian":"little"}}],"index_codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}]}}]"#
        try store.set("a/zarr.json", Self.arrayDocument(shape: [1 << 31, 1 << 31], chunks: [1 << 31, 1 << 31], dataType: "uint8", codecs: sharding))
        let error = #expect(throws: ZarrError.self) { try ZarrArray.open(readOnly: store, at: "a").readRaw(origin: [0, 0], shape: [1, 1]) }
        #expect(error?.code == .invalidMetadata)
    }

    /// A chunk of 4 int32 holds 16 bytes; a zstd frame of a few hundred bytes that inflates to
    /// 64 MiB is refused at 16 (declared size) or as soon as the stream passes 16 (frames
    /// without one decode by streaming), with the limit named.
    @Test(arguments: [1, 2])
    func aZstdChunkThatInflatesBeyondTheChunkIsRefused(_ frames: Int) throws {
        let store = MemoryStore()
        let codecs = #"[{"name":"bytes","configuration":{"endian":"little"}},{"name":"zstd","configuration":{"level":1,"checksum":false}}]"#
        try store.set("a/zarr.json", Self.arrayDocument(shape: [4], chunks: [4], codecs: codecs))
        let frame = try ZstdCodec(level: 19, checksum: false).encode([UInt8](repeating: 0, count: 64 << 20))
        #expect(frame.count < 10_000)
        try store.set("a/c/0", Array((0..<frames).map { _ in frame }.joined()))
        let error = #expect(throws: ZarrError.self) { try ZarrArray.open(readOnly: store, at: "a").readRaw(origin: [0], shape: [4]) }
        #expect(error?.code == .corruptChunk)
        #expect(error?.message.contains("16") == true)
    }

    @Test func aRegionFarOutsideTheArrayIsAnArgumentError() throws {
        let store = MemoryStore()
        try store.set("a/zarr.json", Self.arrayDocument(shape: [10], chunks: [5]))
        let error = #expect(throws: ZarrError.self) { try ZarrArray.open(readOnly: store, at: "a").readRaw(origin: [Int.max - 1], shape: [5]) }
        #expect(error?.code == .invalidArgument)
    }
}
