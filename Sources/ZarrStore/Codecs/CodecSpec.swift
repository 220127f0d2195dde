/// One entry of an array's codec pipeline, as written in `zarr.json`.
///
/// Parsing an unknown codec name is an error that names it, so a store that needs a codec we
/// lack is refused rather than read wrongly.
public enum CodecSpec: Sendable, Hashable {
    /// Array -> bytes: elements in the given byte order (`nil` only for 1-byte types).
    case bytes(endian: Endian?)
    /// Array -> array: permutes the dimensions; `order[i]` is the input dimension of output dimension `i`.
    case transpose(order: [Int])
    /// Bytes -> bytes: Zstandard compression; `checksum` adds the frame's content checksum.
    case zstd(level: Int, checksum: Bool)
    /// Bytes -> bytes: appends a little-endian CRC-32C of the data.
    case crc32c
    /// Array -> bytes: stores a shard of inner chunks plus an index of their byte ranges.
    case shardingIndexed(ShardingSpec)

    /// Byte order of multi-byte elements.
    public enum Endian: String, Sendable, Hashable {
        case little, big
    }

    /// Parses one codec entry of `codecs`.
    /// - Throws: ``ZarrError/Code/unsupportedCodec`` naming an unknown codec, or
    ///   ``ZarrError/Code/invalidMetadata`` for a malformed configuration.
    public init(json: JSONValue) throws(ZarrError) {
        let name: String
        let configuration: JSONValue
        switch json {
        case .string(let s):
            name = s
            configuration = [:]
        case .object:
            guard let n = json["name"]?.stringValue else { throw ZarrError(.invalidMetadata, "codec without a name: \(json)") }
            name = n
            configuration = json["configuration"] ?? [:]
        default:
            throw ZarrError(.invalidMetadata, "codec entry is neither a name nor an object: \(json)")
        }
        func invalid(_ why: String) -> ZarrError {
            ZarrError(.invalidMetadata, "codec '\(name)': \(why) in \(configuration)")
        }
        switch name {
        case "bytes":
            if let e = configuration["endian"], e != .null {
                guard let endian = e.stringValue.flatMap(Endian.init(rawValue:)) else { throw invalid("endian must be little or big") }
                self = .bytes(endian: endian)
            } else {
                self = .bytes(endian: nil)
            }
        case "transpose":
            guard let order = configuration["order"]?.arrayValue?.compactMap(\.intValue),
                  Set(order) == Set(0..<order.count)
            else { throw invalid("order must be a permutation of 0..<rank") }
            self = .transpose(order: order)
        case "zstd":
            let level = configuration["level"]?.intValue ?? 0
            var checksum = false
            if let c = configuration["checksum"] {
                guard case .bool(let b) = c else { throw invalid("checksum must be true or false") }
                checksum = b
            }
            guard (-131072...22).contains(level) else { throw invalid("level out of range") }
            self = .zstd(level: level, checksum: checksum)
        case "crc32c":
            self = .crc32c
        case "sharding_indexed":
            self = .shardingIndexed(try ShardingSpec(json: configuration))
        default:
            throw ZarrError(.unsupportedCodec, "codec '\(name)' is not supported (supported: bytes, transpose, zstd, crc32c, sharding_indexed)")
        }
    }

    /// The metadata spelling.
    public var json: JSONValue {
        switch self {
        case .bytes(let endian):
            guard let endian else { return ["name": "bytes"] }
            return ["name": "bytes", "configuration": ["endian": .string(endian.rawValue)]]
        case .transpose(let order):
            return ["name": "transpose", "configuration": ["order": .array(order.map { .int(Int64($0)) })]]
        case .zstd(let level, let checksum):
            return ["name": "zstd", "configuration": ["level": .int(Int64(level)), "checksum": .bool(checksum)]]
        case .crc32c:
            return ["name": "crc32c"]
        case .shardingIndexed(let spec):
            return ["name": "sharding_indexed", "configuration": spec.json]
        }
    }

    /// The usual serializer for `dataType`: little-endian bytes (no endian for 1-byte types).
    public static func defaultBytes(for dataType: DataType) -> CodecSpec {
        .bytes(endian: dataType.size == 1 ? nil : .little)
    }
}

/// The configuration of the `sharding_indexed` codec.
public struct ShardingSpec: Sendable, Hashable {
    /// Where the shard index sits in the shard.
    public enum IndexLocation: String, Sendable, Hashable {
        case start, end
    }

    /// The shape of the inner chunks; each shard dimension must be a multiple of it.
    public var chunkShape: [Int]
    /// The codecs applied to each inner chunk.
    public var codecs: [CodecSpec]
    /// The codecs applied to the index; their output size must not depend on the data.
    public var indexCodecs: [CodecSpec]
    /// Where the index is stored.
    public var indexLocation: IndexLocation

    /// A sharding configuration; the defaults match zarr-python's (index: bytes + crc32c, at the end).
    public init(
        chunkShape: [Int], codecs: [CodecSpec], indexCodecs: [CodecSpec] = [.bytes(endian: .little), .crc32c],
        indexLocation: IndexLocation = .end
    ) {
        self.chunkShape = chunkShape
        self.codecs = codecs
        self.indexCodecs = indexCodecs
        self.indexLocation = indexLocation
    }

    init(json: JSONValue) throws(ZarrError) {
        guard let shape = json["chunk_shape"]?.arrayValue?.compactMap(\.intValue), shape.allSatisfy({ $0 > 0 }) else {
            throw ZarrError(.invalidMetadata, "sharding_indexed needs a chunk_shape of positive integers: \(json)")
        }
        guard let codecs = json["codecs"]?.arrayValue, let indexCodecs = (json["index_codecs"] ?? .array([.string("bytes"), .string("crc32c")])).arrayValue else {
            throw ZarrError(.invalidMetadata, "sharding_indexed needs codecs: \(json)")
        }
        let location = json["index_location"]?.stringValue ?? "end"
        guard let indexLocation = IndexLocation(rawValue: location) else {
            throw ZarrError(.invalidMetadata, "sharding_indexed index_location must be start or end, not '\(location)'")
        }
        var parsedCodecs: [CodecSpec] = []
        for c in codecs { parsedCodecs.append(try CodecSpec(json: c)) }
        var parsedIndexCodecs: [CodecSpec] = []
        for c in indexCodecs { parsedIndexCodecs.append(try CodecSpec(json: c)) }
        self.init(chunkShape: shape, codecs: parsedCodecs, indexCodecs: parsedIndexCodecs, indexLocation: indexLocation)
    }

    var json: JSONValue {
        [
            "chunk_shape": .array(chunkShape.map { .int(Int64($0)) }),
            "codecs": .array(codecs.map(\.json)),
            "index_codecs": .array(indexCodecs.map(\.json)),
            "index_location": .string(indexLocation.rawValue),
        ]
    }
}
