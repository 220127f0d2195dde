import Foundation
import Testing
import TestSupport
@testable import ZarrStore

@Suite struct ArrayTests {
    /// Codec pipelines every data type must round-trip through, with partial edge chunks.
    static let pipelines: [(name: String, shape: [Int], chunks: [Int], codecs: @Sendable (DataType) -> [CodecSpec])] = [
        ("bytes", [7, 5], [3, 2], { [CodecSpec.defaultBytes(for: $0)] }),
        ("bytes-1d", [23], [5], { [CodecSpec.defaultBytes(for: $0)] }),
        ("big-zstd", [9, 4], [4, 4], { _ in [.bytes(endian: .big), .zstd(level: 3, checksum: true)] }),
        ("transpose-crc", [5, 6, 3], [2, 4, 2], { [.transpose(order: [2, 0, 1]), CodecSpec.defaultBytes(for: $0), .crc32c] }),
        ("sharded-end", [10, 9], [4, 6], { dt in
            [.shardingIndexed(ShardingSpec(chunkShape: [2, 3], codecs: [CodecSpec.defaultBytes(for: dt), .zstd(level: 1, checksum: false)]))] }),
        ("sharded-start", [13], [8], { dt in
            [.shardingIndexed(ShardingSpec(chunkShape: [2], codecs: [.bytes(endian: .big)], indexLocation: .start))] }),
        // zarr-python checks the inner chunk shape against the untransposed shard shape, so the
        // shard is square here: valid under both readings.
        ("sharded-transposed", [8, 5], [6, 6], { dt in
            [.transpose(order: [1, 0]), .shardingIndexed(ShardingSpec(chunkShape: [2, 3], codecs: [CodecSpec.defaultBytes(for: dt), .crc32c]))] }),
    ]

    @Test(arguments: DataType.allCases, pipelines.indices)
    func randomRegionWritesReadBackLikeTheModel(_ dataType: DataType, _ pipeline: Int) throws {
        let p = Self.pipelines[pipeline]
        var random = SeededGenerator(state: UInt64(pipeline * 100 + DataType.allCases.firstIndex(of: dataType)!))
        let store = MemoryStore()
        let root = try ZarrGroup.create(in: store)
        let fill: JSONValue = dataType == .bool ? true : 3
        let array = try root.createArray(
            "a", metadata: ArrayMetadata(shape: p.shape, dataType: dataType, chunkShape: p.chunks, codecs: p.codecs(dataType), fillValue: fill))
        let fillBytes = try dataType.fillBytes(from: fill)
        var model = ReferenceModel(shape: p.shape, fill: fillBytes)

        func randomRegion() -> (origin: [Int], shape: [Int]) {
            var origin: [Int] = [], shape: [Int] = []
            for extent in p.shape {
                let start = Int.random(in: 0..<extent, using: &random)
                origin.append(start)
                shape.append(Int.random(in: 0...(extent - start), using: &random))
            }
            return (origin, shape)
        }

        for _ in 0..<12 {
            let region = randomRegion()
            let count = region.shape.reduce(1, *)
            var bytes = (0..<count * dataType.size).map { _ in UInt8.random(in: 0...255, using: &random) }
            if dataType == .bool { bytes = bytes.map { $0 & 1 } }
            try Self.writeRaw(array, bytes, region, dataType)
            model.write(bytes, origin: region.origin, shape: region.shape, elementSize: dataType.size)

            let probe = randomRegion()
            #expect(try array.readRaw(origin: probe.origin, shape: probe.shape) == model.read(origin: probe.origin, shape: probe.shape))
        }
        let reopened = try ZarrArray.open(readOnly: store, at: "a")
        #expect(try reopened.readRaw(origin: p.shape.map { _ in 0 }, shape: p.shape) == model.read(origin: p.shape.map { _ in 0 }, shape: p.shape))
    }

    /// Writes host-order bytes through the typed API of the matching Swift type.
    static func writeRaw(_ array: ZarrArray, _ bytes: [UInt8], _ region: (origin: [Int], shape: [Int]), _ dataType: DataType) throws {
        func go<T: ZarrElement>(_: T.Type) throws { try array.write([T](rawBytes: bytes), origin: region.origin, shape: region.shape) }
        switch dataType {
        case .bool: try go(Bool.self)
        case .int8: try go(Int8.self)
        case .int16: try go(Int16.self)
        case .int32: try go(Int32.self)
        case .int64: try go(Int64.self)
        case .uint8: try go(UInt8.self)
        case .uint16: try go(UInt16.self)
        case .uint32: try go(UInt32.self)
        case .uint64: try go(UInt64.self)
        case .float32: try go(Float.self)
        case .float64: try go(Double.self)
        }
    }

    @Test func chunksEqualToFillAreNotStored() throws {
        let store = MemoryStore()
        let array = try ZarrGroup.create(in: store).createArray(
            "a", metadata: ArrayMetadata(shape: [8], dataType: .int32, chunkShape: [4], fillValue: 5))
        try array.write([Int32](repeating: 5, count: 4) + [1, 2, 3, 4], origin: [0], shape: [8])
        #expect(try store.get("a/c/0") == nil)
        #expect(try store.get("a/c/1") != nil)
        try array.write([Int32](repeating: 5, count: 4), origin: [4], shape: [4])
        #expect(try store.get("a/c/1") == nil)
        #expect(try array.read(Int32.self) == [Int32](repeating: 5, count: 8))
    }

    @Test func appendGrowsAndResizeShrinksWithoutResurrectingData() throws {
        let store = MemoryStore()
        var blob = try ZarrGroup.create(in: store).createArray(
            "blob", metadata: ArrayMetadata(shape: [0], dataType: .uint8, chunkShape: [4]))
        try blob.append([1, 2, 3] as [UInt8])
        try blob.append([4, 5, 6, 7, 8, 9] as [UInt8])
        #expect(blob.shape == [9])
        #expect(try ZarrArray.open(readOnly: store, at: "blob").read(UInt8.self) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(try blob.readBytes(2..<7) == [3, 4, 5, 6, 7])
        try blob.resize(to: [5])
        #expect(try store.get("blob/c/2") == nil)
        try blob.resize(to: [10])
        #expect(try blob.read(UInt8.self) == [1, 2, 3, 4, 5, 0, 0, 0, 0, 0])
    }

    @Test func zeroDimensionalArrays() throws {
        let store = MemoryStore()
        let array = try ZarrGroup.create(in: store).createArray(
            "s", metadata: ArrayMetadata(shape: [], dataType: .float64, chunkShape: [], fillValue: "NaN"))
        #expect(try array.read(Double.self).first?.isNaN == true)
        try array.write([2.5], origin: [], shape: [])
        #expect(try array.read(Double.self) == [2.5])
        #expect(try store.get("s/c") != nil)
    }

    @Test func regionsOutsideTheArrayAndWrongTypesAreRefused() throws {
        let array = try ZarrGroup.create(in: MemoryStore()).createArray(
            "a", metadata: ArrayMetadata(shape: [4, 4], dataType: .int16, chunkShape: [2, 2]))
        #expect { try array.read(Int16.self, origin: [3, 0], shape: [2, 1]) } throws: { ($0 as? ZarrError)?.code == .invalidArgument }
        #expect { try array.read(Int32.self) } throws: { ($0 as? ZarrError)?.code == .invalidArgument }
        #expect { try array.readBytes(0..<2) } throws: { ($0 as? ZarrError)?.code == .invalidArgument }
    }

    @Test func corruptChunksAreReportedWithTheirKey() throws {
        let store = MemoryStore()
        let array = try ZarrGroup.create(in: store).createArray(
            "a", metadata: ArrayMetadata(shape: [8], dataType: .uint8, chunkShape: [8], codecs: [.bytes(endian: nil), .crc32c]))
        try array.write((0..<8).map { UInt8($0) })
        var stored = try #require(try store.get("a/c/0"))
        stored[3] ^= 0xFF
        try store.set("a/c/0", stored)
        let error = #expect(throws: ZarrError.self) { try array.read(UInt8.self) }
        #expect(error?.code == .corruptChunk)
        #expect(error?.key == "a/c/0")
    }

    /// 1-D arrays of raw elements are read in place from files; a chunk file cut short is an
    /// error, not a short or zero-padded read.
    @Test(arguments: [false, true])
    func directReadsFromFilesDetectTruncatedChunks(_ sharded: Bool) throws {
        let folder = TemporaryFolder()
        let store = FilesystemStore(root: folder.path)
        let codecs: [CodecSpec] = sharded
            ? [.shardingIndexed(ShardingSpec(chunkShape: [16], codecs: [.bytes(endian: .little)]))] : [.bytes(endian: .little)]
        let array = try ZarrGroup.create(in: store).createArray(
            "blob", metadata: ArrayMetadata(shape: [100], dataType: .int16, chunkShape: [32], codecs: codecs, fillValue: -1))
        let values = (0..<60).map { Int16($0 * 3 - 90) }
        try array.write(values, origin: [10], shape: [60])
        let expected = [Int16](repeating: -1, count: 10) + values + [Int16](repeating: -1, count: 30)
        #expect(try array.read(Int16.self) == expected)
        #expect(try array.read(Int16.self, origin: [31], shape: [3]) == Array(expected[31..<34]))

        let chunkFile = folder.path + "/blob/c/1"
        let stored = try #require(try store.get("blob/c/1"))
        try Data(stored.prefix(sharded ? 20 : 40)).write(to: URL(fileURLWithPath: chunkFile))
        let error = #expect(throws: ZarrError.self) { try array.read(Int16.self, origin: [40], shape: [10]) }
        #expect(error?.code == .corruptChunk)
    }
}
