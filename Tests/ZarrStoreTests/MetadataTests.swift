import Testing
import TestSupport
@testable import ZarrStore

@Suite struct MetadataTests {
    private func metadata(_ patch: (inout [String: JSONValue]) -> Void) -> JSONValue {
        var document: [String: JSONValue] = [
            "zarr_format": 3, "node_type": "array", "shape": [4], "data_type": "uint8",
            "chunk_grid": ["name": "regular", "configuration": ["chunk_shape": [2]]],
            "chunk_key_encoding": ["name": "default"], "fill_value": 0,
            "codecs": [["name": "bytes"]], "attributes": [:],
        ]
        patch(&document)
        return .object(document)
    }

    @Test func parsesWhatItWrites() throws {
        let original = ArrayMetadata(
            shape: [3, 4], dataType: .uint64, chunkShape: [2, 2], codecs: [.bytes(endian: .big), .zstd(level: 5, checksum: true)],
            fillValue: .uint(UInt64.max), chunkKeyEncoding: .v2(separator: "."), attributes: ["x": [1, "y"]], dimensionNames: ["t", nil])
        #expect(try ArrayMetadata(json: original.json) == original)
    }

    @Test(arguments: [
        ("blosc", ZarrError.Code.unsupportedCodec),
        ("gzip", ZarrError.Code.unsupportedCodec),
    ])
    func unknownCodecsAreNamed(_ name: String, _ code: ZarrError.Code) {
        let json = metadata { $0["codecs"] = [["name": "bytes"], ["name": .string(name), "configuration": [:]]] }
        let error = #expect(throws: ZarrError.self) { try ArrayMetadata(json: json) }
        #expect(error?.code == code)
        #expect(error?.message.contains(name) == true)
    }

    @Test func unknownDataTypeChunkGridAndExtensionsAreNamed() {
        let cases: [(JSONValue, ZarrError.Code, String)] = [
            (metadata { $0["data_type"] = "complex64" }, .unsupportedDataType, "complex64"),
            (metadata { $0["chunk_grid"] = ["name": "rectilinear", "configuration": [:]] }, .unsupportedChunkGrid, "rectilinear"),
            (metadata { $0["chunk_key_encoding"] = ["name": "fancy"] }, .unsupportedChunkKeyEncoding, "fancy"),
            (metadata { $0["my_extension"] = ["must_understand": true] }, .unsupportedExtension, "my_extension"),
            (metadata { $0["storage_transformers"] = [["name": "x"]] }, .unsupportedExtension, "storage"),
            (metadata { $0["fill_value"] = 300 }, .invalidMetadata, "300"),
        ]
        for (json, code, word) in cases {
            let error = #expect(throws: ZarrError.self) { try ArrayMetadata(json: json) }
            #expect(error?.code == code)
            #expect(error?.description.contains(word) == true, "\(String(describing: error)) should name \(word)")
        }
    }

    @Test func extensionsThatNeedNotBeUnderstoodAreIgnored() throws {
        let json = metadata { $0["my_extension"] = ["must_understand": false, "x": 1] }
        #expect(try ArrayMetadata(json: json).shape == [4])
    }

    @Test func floatFillValuesUseTheSpecSpellings() throws {
        #expect(try DataType.float32.fillBytes(from: "0x7fc00001") == withUnsafeBytes(of: Float(bitPattern: 0x7FC0_0001)) { Array($0) })
        let nan = try DataType.float64.fillBytes(from: "NaN")
        #expect(DataType.float64.fillJSON(from: nan) == "NaN")
        #expect(DataType.float64.fillJSON(from: try DataType.float64.fillBytes(from: "-Infinity")) == "-Infinity")
        #expect(DataType.float32.fillJSON(from: try DataType.float32.fillBytes(from: "0x7fc00001")) == "0x7fc00001")
    }
}
