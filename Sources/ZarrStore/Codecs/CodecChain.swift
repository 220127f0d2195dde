/// A validated codec pipeline for chunks of one shape and data type:
/// array->array codecs, exactly one array->bytes codec, then bytes->bytes codecs.
struct CodecChain: Sendable {
    let arrayToArray: [any ArrayToArrayCodec]
    let arrayToBytes: any ArrayToBytesCodec
    let bytesToBytes: [any BytesToBytesCodec]
    /// The decoded chunk shape; `shapes[i]` is the input shape of `arrayToArray[i]`,
    /// `shapes.last` the shape the array->bytes codec sees.
    let shapes: [[Int]]
    let dataType: DataType
    /// `decodeLimits[i]`: the most bytes `bytesToBytes[i]` may decode to (what the codec below
    /// it can encode at most); the last entry is the most an encoded chunk can hold.
    let decodeLimits: [Int]

    /// Builds the pipeline described by `specs` for chunks of `chunkShape`; `fillValue` (one
    /// element, host order) fills inner chunks a shard does not store.
    /// - Throws: ``ZarrError`` when the codecs are in an invalid order or do not fit the shape.
    init(_ specs: [CodecSpec], chunkShape: [Int], dataType: DataType, fillValue: [UInt8]) throws(ZarrError) {
        var arrayToArray: [any ArrayToArrayCodec] = []
        var arrayToBytes: (any ArrayToBytesCodec)?
        var bytesToBytes: [any BytesToBytesCodec] = []
        var shapes = [chunkShape]
        for spec in specs {
            let shape = shapes.last!
            switch spec {
            case .transpose(let order):
                guard arrayToBytes == nil else { throw Self.misplaced(spec) }
                guard order.count == shape.count else {
                    throw ZarrError(.invalidMetadata, "transpose order \(order) does not match rank \(shape.count)")
                }
                let codec = TransposeCodec(order: order)
                arrayToArray.append(codec)
                shapes.append(codec.encodedShape(shape))
            case .bytes(let endian):
                guard arrayToBytes == nil else { throw Self.misplaced(spec) }
                guard endian != nil || dataType.size == 1 else {
                    throw ZarrError(.invalidMetadata, "the bytes codec needs an endian for data type \(dataType.rawValue)")
                }
                arrayToBytes = BytesCodec(endian: endian ?? .little, elementSize: dataType.size)
            case .shardingIndexed(let sharding):
                guard arrayToBytes == nil else { throw Self.misplaced(spec) }
                arrayToBytes = try ShardingCodec(sharding, shardShape: shape, dataType: dataType, fillValue: fillValue)
            case .zstd(let level, let checksum):
                guard arrayToBytes != nil else { throw Self.misplaced(spec) }
                bytesToBytes.append(ZstdCodec(level: level, checksum: checksum))
            case .crc32c:
                guard arrayToBytes != nil else { throw Self.misplaced(spec) }
                bytesToBytes.append(CRC32CCodec())
            }
        }
        guard let arrayToBytes else {
            throw ZarrError(.invalidMetadata, "the codec list has no array->bytes codec (bytes or sharding_indexed)")
        }
        self.arrayToArray = arrayToArray
        self.arrayToBytes = arrayToBytes
        self.bytesToBytes = bytesToBytes
        self.shapes = shapes
        self.dataType = dataType
        guard var limit = arrayToBytes.maximumEncodedSize(shape: shapes.last!) else {
            throw ZarrError(.invalidMetadata, "chunks of shape \(chunkShape) and \(dataType.rawValue) are too large to address")
        }
        var limits = [limit]
        for codec in bytesToBytes {
            guard let next = codec.maximumEncodedSize(limit) else {
                throw ZarrError(.invalidMetadata, "chunks of shape \(chunkShape) and \(dataType.rawValue) are too large to address")
            }
            limit = next
            limits.append(limit)
        }
        decodeLimits = limits
    }

    private static func misplaced(_ spec: CodecSpec) -> ZarrError {
        ZarrError(.invalidMetadata, "codec \(spec.json["name"] ?? "?") is out of order (array->array, then one array->bytes, then bytes->bytes)")
    }

    /// The sharding codec when it is the whole pipeline, so inner chunks can be read one by one.
    var shardingOnly: ShardingCodec? {
        arrayToArray.isEmpty && bytesToBytes.isEmpty ? arrayToBytes as? ShardingCodec : nil
    }

    /// Whether the encoded bytes are the decoded elements as they are in memory (a lone `bytes`
    /// codec in host order), so any element range can be read straight from the stored value.
    var isPassthrough: Bool {
        arrayToArray.isEmpty && bytesToBytes.isEmpty && (arrayToBytes as? BytesCodec)?.swaps == false
    }

    /// Encodes `chunk`, which it owns, so an array->bytes codec may reuse its buffer.
    func encode(_ chunk: consuming ChunkArray) throws(ZarrError) -> [UInt8] {
        var array = consume chunk
        for codec in arrayToArray { array = try codec.encode(array) }
        var bytes = try arrayToBytes.encode(consume array)
        for codec in bytesToBytes { bytes = try codec.encode(bytes) }
        return bytes
    }

    func decode(_ encoded: [UInt8]) throws(ZarrError) -> ChunkArray {
        var bytes = encoded
        for (i, codec) in bytesToBytes.enumerated().reversed() { bytes = try codec.decode(bytes, limit: decodeLimits[i]) }
        var array = try arrayToBytes.decode(bytes, shape: shapes.last!)
        for (i, codec) in arrayToArray.enumerated().reversed() { array = try codec.decode(array, to: shapes[i]) }
        return array
    }

    /// The most bytes an encoded chunk can hold.
    var maximumEncodedSize: Int? { decodeLimits.last }

    /// The encoded size of any chunk, when no codec's output depends on the data.
    var fixedEncodedSize: Int? {
        guard var size = arrayToBytes.fixedEncodedSize(shape: shapes.last!) else { return nil }
        for codec in bytesToBytes {
            guard let next = codec.fixedEncodedSize(size) else { return nil }
            size = next
        }
        return size
    }
}
