/// The metadata of a Zarr v3 array (`zarr.json` with `node_type: "array"`).
public struct ArrayMetadata: Sendable, Hashable {
    /// The array's extent in each dimension.
    public var shape: [Int]
    /// The element type.
    public var dataType: DataType
    /// The `regular` chunk grid's chunk shape (for sharded arrays: the shard shape).
    public var chunkShape: [Int]
    /// How chunk coordinates become store keys.
    public var chunkKeyEncoding: ChunkKeyEncoding
    /// The value of elements no chunk stores, as metadata spells it.
    public var fillValue: JSONValue
    /// The codec pipeline.
    public var codecs: [CodecSpec]
    /// User attributes.
    public var attributes: [String: JSONValue]
    /// Optional dimension names.
    public var dimensionNames: [String?]?

    /// Metadata for a new array. The default pipeline is the `bytes` codec alone, and the default
    /// fill value is zero (`false` for `bool`).
    public init(
        shape: [Int], dataType: DataType, chunkShape: [Int], codecs: [CodecSpec]? = nil, fillValue: JSONValue? = nil,
        chunkKeyEncoding: ChunkKeyEncoding = .default(separator: "/"), attributes: [String: JSONValue] = [:],
        dimensionNames: [String?]? = nil
    ) {
        self.shape = shape
        self.dataType = dataType
        self.chunkShape = chunkShape
        self.codecs = codecs ?? [CodecSpec.defaultBytes(for: dataType)]
        self.fillValue = fillValue ?? {
            switch dataType {
            case .bool: return .bool(false)
            case .float32, .float64: return .double(0)
            default: return .int(0)
            }
        }()
        self.chunkKeyEncoding = chunkKeyEncoding
        self.attributes = attributes
        self.dimensionNames = dimensionNames
    }

    /// Members of array metadata this implementation understands; any other member must be an
    /// extension object marked `"must_understand": false`.
    private static let knownMembers: Set<String> = [
        "zarr_format", "node_type", "shape", "data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs",
        "attributes", "dimension_names", "storage_transformers",
    ]

    /// Parses array metadata.
    /// - Throws: ``ZarrError`` naming an unsupported data type, chunk grid, codec or extension,
    ///   or what is malformed.
    public init(json: JSONValue) throws(ZarrError) {
        guard let members = json.objectValue else { throw ZarrError(.invalidMetadata, "array metadata is not a JSON object") }
        for (name, value) in members where !Self.knownMembers.contains(name) {
            guard case .bool(false) = value["must_understand"] ?? .null else {
                throw ZarrError(.unsupportedExtension, "array metadata has member '\(name)', which this implementation does not understand")
            }
        }
        guard let shape = members["shape"]?.arrayValue?.compactMap(\.intValue), shape.allSatisfy({ $0 >= 0 }),
              shape.count == members["shape"]?.arrayValue?.count
        else { throw ZarrError(.invalidMetadata, "shape must be a list of non-negative integers") }
        let dataType = try DataType(named: members["data_type"] ?? .null)

        let grid = members["chunk_grid"] ?? .null
        guard let gridName = grid["name"]?.stringValue else { throw ZarrError(.invalidMetadata, "chunk_grid has no name") }
        guard gridName == "regular" else {
            throw ZarrError(.unsupportedChunkGrid, "chunk grid '\(gridName)' is not supported (supported: regular)")
        }
        guard let chunkShape = grid["configuration"]?["chunk_shape"]?.arrayValue?.compactMap(\.intValue),
              chunkShape.count == shape.count, chunkShape.allSatisfy({ $0 > 0 })
        else { throw ZarrError(.invalidMetadata, "regular chunk_shape must be \(shape.count) positive integers") }

        guard Shape.byteCount(shape, elementSize: dataType.size) != nil, Shape.byteCount(chunkShape, elementSize: dataType.size) != nil else {
            throw ZarrError(.invalidMetadata, "shape \(shape) or chunk_shape \(chunkShape) of \(dataType.rawValue) is too large to address")
        }
        let keyEncoding = try ChunkKeyEncoding(json: members["chunk_key_encoding"] ?? ["name": "default"])
        guard let codecList = members["codecs"]?.arrayValue else { throw ZarrError(.invalidMetadata, "codecs must be a list") }
        var codecs: [CodecSpec] = []
        for entry in codecList { codecs.append(try CodecSpec(json: entry)) }
        if let transformers = members["storage_transformers"]?.arrayValue, !transformers.isEmpty {
            throw ZarrError(.unsupportedExtension, "storage transformers are not supported: \(transformers)")
        }
        let fill = members["fill_value"] ?? .null
        _ = try dataType.fillBytes(from: fill)
        var dimensionNames: [String?]?
        if let names = members["dimension_names"]?.arrayValue {
            dimensionNames = names.map(\.stringValue)
        }
        self.init(
            shape: shape, dataType: dataType, chunkShape: chunkShape, codecs: codecs, fillValue: fill,
            chunkKeyEncoding: keyEncoding, attributes: members["attributes"]?.objectValue ?? [:], dimensionNames: dimensionNames)
    }

    /// The `zarr.json` document.
    public var json: JSONValue {
        var document: [String: JSONValue] = [
            "zarr_format": 3,
            "node_type": "array",
            "shape": .array(shape.map { .int(Int64($0)) }),
            "data_type": .string(dataType.rawValue),
            "chunk_grid": ["name": "regular", "configuration": ["chunk_shape": .array(chunkShape.map { .int(Int64($0)) })]],
            "chunk_key_encoding": chunkKeyEncoding.json,
            "fill_value": fillValue,
            "codecs": .array(codecs.map(\.json)),
            "attributes": .object(attributes),
            "storage_transformers": [],
        ]
        if let dimensionNames {
            document["dimension_names"] = .array(dimensionNames.map { $0.map(JSONValue.string) ?? .null })
        }
        return .object(document)
    }
}
