import Foundation
import Testing
import TestSupport
@testable import ZarrStore

/// zarr-python 3 is the reference: it must read what we write, and we must read what it writes.
@Suite(.serialized) struct ZarrPythonInteropTests {
    static let script = PythonReference.packageRoot + "/Tests/ZarrStoreTests/Interop/zarr_python_side.py"

    private func readFile(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func json(_ path: String) throws -> JSONValue {
        try JSONValue(parsing: readFile(path))
    }

    // MARK: (a) zarr-python reads what we write

    @Test func zarrPythonReadsEveryDataTypeAndCodecWeWrite() throws {
        let folder = TemporaryFolder()
        let storePath = folder.path + "/ours.zarr"
        let store = FilesystemStore(root: storePath)
        let root = try ZarrGroup.create(in: store, attributes: ["made_by": "zarrwlr", "numbers": [1, -2, 3.25, .uint(UInt64.max)], "none": nil])
        _ = try root.createGroup("groups/nested", attributes: ["depth": 2, "unicode": "Grünspecht 🐦"])
        var expected: [String: (dataType: DataType, shape: [Int], bytes: [UInt8], fill: JSONValue)] = [:]
        var random = SeededGenerator(state: 42)

        for dataType in DataType.allCases {
            for (name, shape, chunks, codecs) in ArrayTests.pipelines + Self.extraPipelines {
                let path = "\(dataType.rawValue)/\(name)"
                let fill: JSONValue = switch dataType {
                case .bool: true
                case .float32, .float64: name == "bytes" ? "NaN" : -1.5
                default: 7
                }
                let array = try root.createArray(path, metadata: ArrayMetadata(
                    shape: shape, dataType: dataType, chunkShape: chunks, codecs: codecs(dataType), fillValue: fill,
                    attributes: ["pipeline": .string(name)]))
                var model = ReferenceModel(shape: shape, fill: try dataType.fillBytes(from: fill))
                // Write all but the leading elements, so some chunks are never written (fill value).
                let origin = shape.map { $0 / 3 }
                let region = zip(shape, origin).map { $0 - $1 }
                var bytes = (0..<region.reduce(1, *) * dataType.size).map { _ in UInt8.random(in: 0...255, using: &random) }
                if dataType == .bool { bytes = bytes.map { $0 & 1 } }
                try ArrayTests.writeRaw(array, bytes, (origin, region), dataType)
                model.write(bytes, origin: origin, shape: region, elementSize: dataType.size)
                expected[path] = (dataType, shape, model.read(origin: shape.map { _ in 0 }, shape: shape), fill)
            }
        }
        let manifest: JSONValue = [
            "store": .string(storePath),
            "arrays": .array(expected.keys.sorted().map { ["path": .string($0)] }),
            "groups": ["", "groups", "groups/nested"],
        ]
        try Data(manifest.serialized()).write(to: URL(fileURLWithPath: folder.path + "/manifest.json"))
        let out = folder.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try PythonReference.run(script: Self.script, ["read-ours", folder.path + "/manifest.json", out])

        let report = try json(out + "/report.json")
        for (path, item) in expected.sorted(by: { $0.key < $1.key }) {
            let seen = try #require(report["arrays"]?[path], "zarr-python did not report \(path)")
            #expect(seen["dtype"] == .string(item.dataType.rawValue), "\(path)")
            #expect(seen["shape"] == .array(item.shape.map { .int(Int64($0)) }), "\(path)")
            #expect(seen["attributes"] == ["pipeline": .string(String(path.split(separator: "/")[1]))], "\(path)")
            if item.fill == "NaN" {
                #expect(seen["fill_is_nan"] == true, "\(path)")
            } else if case .double(let d) = item.fill, item.dataType != .float32 && item.dataType != .float64 {
                #expect(seen["fill"]?.intValue == Int(d), "\(path)")
            } else {
                #expect(seen["fill"] == item.fill || seen["fill"]?.intValue == item.fill.intValue, "\(path): fill \(String(describing: seen["fill"]))")
            }
            let values = try readFile(out + "/" + path.replacingOccurrences(of: "/", with: "__") + ".bin")
            #expect(values == item.bytes, "zarr-python read different values from \(path)")
        }
        #expect(report["groups"]?[""]?["attributes"] == .object(root.attributes))
        #expect(report["groups"]?[""]?["members"] == ["bool", "float32", "float64", "groups", "int16", "int32", "int64", "int8", "uint16", "uint32", "uint64", "uint8"])
        #expect(report["groups"]?["groups/nested"]?["attributes"] == ["depth": 2, "unicode": "Grünspecht 🐦"])
    }

    /// Layouts beyond the array-test pipelines: "." separators, v2 keys, 0-d and 1-D blobs.
    static let extraPipelines: [(name: String, shape: [Int], chunks: [Int], codecs: @Sendable (DataType) -> [CodecSpec])] = [
        ("v2-keys", [5, 7], [2, 3], { [CodecSpec.defaultBytes(for: $0), .zstd(level: 0, checksum: false)] }),
        ("blob-sharded", [1000], [256], { dt in
            [.shardingIndexed(ShardingSpec(chunkShape: [64], codecs: [CodecSpec.defaultBytes(for: dt)]))] }),
    ]

    // MARK: (b) we read what zarr-python writes

    @Test func weReadEveryDataTypeAndCodecZarrPythonWrites() throws {
        let folder = TemporaryFolder()
        let storePath = folder.path + "/theirs.zarr"
        let out = folder.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try PythonReference.run(script: Self.script, ["write-theirs", storePath, out])
        let manifest = try json(out + "/manifest.json")
        let store = FilesystemStore(root: storePath)
        let arrays = try #require(manifest["arrays"]?.arrayValue)
        #expect(arrays.count == DataType.allCases.count * 11)

        for entry in arrays {
            let path = try #require(entry["path"]?.stringValue)
            let array = try ZarrArray.open(readOnly: store, at: path)
            #expect(array.metadata.dataType.rawValue == entry["dtype"]?.stringValue, "\(path)")
            #expect(.array(array.shape.map { .int(Int64($0)) }) == entry["shape"], "\(path)")
            #expect(.object(array.metadata.attributes) == entry["attributes"], "\(path)")
            let all = try array.readRaw(origin: array.shape.map { _ in 0 }, shape: array.shape)
            #expect(all == (try readFile(out + "/" + entry["file"]!.stringValue!)), "\(path): values differ")
            for region in entry["regions"]?.arrayValue ?? [] {
                let origin = region["origin"]!.arrayValue!.compactMap(\.intValue)
                let shape = region["shape"]!.arrayValue!.compactMap(\.intValue)
                let part = try array.readRaw(origin: origin, shape: shape)
                #expect(part == (try readFile(out + "/" + region["file"]!.stringValue!)), "\(path) region \(origin) \(shape)")
            }
        }
        let root = try ZarrGroup.open(in: store)
        #expect(.object(root.attributes) == manifest["groups"]?[""]?["attributes"])
        #expect(root.attributes["big"] == .uint(UInt64(1) << 63 + 5))
        #expect(try root.group("sub/deeper").attributes == ["level": 2])
        let children = try root.children()
        #expect(children.map(\.name) == (DataType.allCases.map(\.rawValue) + ["sub"]).sorted())
        #expect(children.allSatisfy { $0.kind == .group })
        #expect(try root.group("int16").children().allSatisfy { $0.kind == .array })
    }

    // MARK: (c) what we cannot read is refused with a clear error

    @Test func unsupportedCodecsAndTypesFromZarrPythonAreNamed() throws {
        let folder = TemporaryFolder()
        let storePath = folder.path + "/unsupported.zarr"
        try PythonReference.run(script: Self.script, ["unsupported", storePath])
        let store = FilesystemStore(root: storePath)
        for (path, code, word) in [
            ("blosc", ZarrError.Code.unsupportedCodec, "blosc"),
            ("gzip", .unsupportedCodec, "gzip"),
            ("complex", .unsupportedDataType, "complex64"),
        ] {
            let error = #expect(throws: ZarrError.self) { try ZarrArray.open(readOnly: store, at: path) }
            #expect(error?.code == code, "\(path)")
            #expect(error?.description.contains(word) == true, "\(String(describing: error))")
            #expect(error?.key == "\(path)/zarr.json")
        }
    }
}
