/// A Zarr v3 array in a store: typed reads and writes of any hyper-rectangle.
///
/// Reads fetch only the chunks the region touches; in a sharded array (one `sharding_indexed`
/// codec) only the shard index and the inner chunks the region touches. Elements no chunk
/// stores read as the fill value. Writes encode whole chunks; a chunk that becomes entirely fill
/// value is deleted rather than stored, as zarr-python does.
public struct ZarrArray: Sendable {
    /// The node's path in the store ("" for the root).
    public let path: String
    /// The array's metadata as last read or written.
    public private(set) var metadata: ArrayMetadata
    private let reader: any ReadableStore
    private let writer: (any WritableStore)?
    private let chain: CodecChain
    private let fill: [UInt8]
    /// Shard indexes read so far, when this array value was made with ``cachingShardIndexes()``.
    private var shardIndexCache: ShardIndexCache?

    init(metadata: ArrayMetadata, path: String, reader: any ReadableStore, writer: (any WritableStore)?) throws(ZarrError) {
        self.metadata = metadata
        self.path = path
        self.reader = reader
        self.writer = writer
        fill = try metadata.dataType.fillBytes(from: metadata.fillValue)
        chain = try CodecChain(metadata.codecs, chunkShape: metadata.chunkShape, dataType: metadata.dataType, fillValue: fill)
    }

    /// Whether every read of the array is a network round trip (see ``ReadableStore/readsAreRoundTrips``).
    public var readsAreRoundTrips: Bool { reader.readsAreRoundTrips }

    /// This array for reading with every shard's index read once and kept: for arrays that no
    /// longer change (a committed recording's blob), so that a read costs only its data's
    /// requests. Writing through the returned value is refused.
    public func cachingShardIndexes() -> ZarrArray {
        var copy = self
        copy.shardIndexCache = ShardIndexCache()
        return copy
    }

    /// Opens the array at `path` for reading only.
    /// - Throws: ``ZarrError/Code/nodeNotFound`` or ``ZarrError/Code/wrongNodeType``, or the
    ///   metadata's problem (unsupported codec, data type, ...).
    public static func open(readOnly store: any ReadableStore, at path: String) throws(ZarrError) -> ZarrArray {
        try open(path, reader: store, writer: nil)
    }

    /// Opens the array at `path` for reading and writing.
    public static func open(in store: any ZarrStorage, at path: String) throws(ZarrError) -> ZarrArray {
        try open(path, reader: store, writer: store)
    }

    private static func open(_ path: String, reader: any ReadableStore, writer: (any WritableStore)?) throws(ZarrError) -> ZarrArray {
        switch try NodeDocument.load(from: reader, path: path) {
        case .array(let metadata): return try ZarrArray(metadata: metadata, path: path, reader: reader, writer: writer)
        case .group: throw ZarrError(.wrongNodeType, "'\(path)' is a group, not an array", key: NodeDocument.metadataKey(path))
        case nil: throw ZarrError(.nodeNotFound, "no array at '\(path)'", key: NodeDocument.metadataKey(path))
        }
    }

    /// The array's shape.
    public var shape: [Int] { metadata.shape }

    /// The store key of the chunk (or shard) at grid `coordinates`.
    public func chunkKey(_ coordinates: [Int]) -> String {
        let key = metadata.chunkKeyEncoding.key(for: coordinates)
        return path.isEmpty ? key : path + "/" + key
    }

    /// Whether the chunk (or shard) at grid `coordinates` is stored. A chunk that is not reads
    /// as the fill value, which the spec allows; callers for whom a chunk must exist ask here.
    public func isChunkStored(_ coordinates: [Int]) throws(ZarrError) -> Bool {
        // A shard whose index was read exists (cached arrays do not change).
        if let shardIndexCache, shardIndexCache.entry(chunkKey(coordinates)) != nil { return true }
        return try reader.size(of: chunkKey(coordinates)) != nil
    }

    // MARK: Reading

    /// The elements of the region `[origin, origin + shape)`, C order.
    /// - Throws: ``ZarrError/Code/invalidArgument`` when `T` is not the array's data type or the
    ///   region leaves the array; ``ZarrError/Code/corruptChunk`` for undecodable chunks.
    public func read<T: ZarrElement>(_ type: T.Type = T.self, origin: [Int], shape: [Int]) throws(ZarrError) -> [T] {
        try checkType(T.self)
        var raw = try readRaw(origin: origin, shape: shape)
        if T.self == Bool.self {
            // Bool must hold exactly 0 or 1; stores may hold any non-zero byte for true.
            for i in raw.indices where raw[i] > 1 { raw[i] = 1 }
        }
        return [T](rawBytes: raw)
    }

    /// All elements of the array, C order.
    public func read<T: ZarrElement>(_ type: T.Type = T.self) throws(ZarrError) -> [T] {
        try read(T.self, origin: metadata.shape.map { _ in 0 }, shape: metadata.shape)
    }

    /// Bytes `range` of a 1-D `uint8` array (such as an audio blob), reading only the chunks
    /// (or inner chunks of shards) that hold them.
    public func readBytes(_ range: Range<Int>) throws(ZarrError) -> [UInt8] {
        guard metadata.dataType == .uint8, metadata.shape.count == 1 else {
            throw ZarrError(.invalidArgument, "readBytes needs a 1-D uint8 array, '\(path)' is \(metadata.shape.count)-D \(metadata.dataType.rawValue)")
        }
        return try readRaw(origin: [range.lowerBound], shape: [range.count])
    }

    /// The region's elements as host-order bytes.
    public func readRaw(origin: [Int], shape regionShape: [Int]) throws(ZarrError) -> [UInt8] {
        try checkRegion(origin: origin, shape: regionShape, within: metadata.shape)
        let elementSize = metadata.dataType.size
        let byteCount = regionShape.reduce(1, *) * elementSize
        var failure: ZarrError?
        let out = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            do throws(ZarrError) {
                try readRegion(origin: origin, shape: regionShape, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                // Every byte was not necessarily written; the array is discarded below.
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            }
            initialized = byteCount
        }
        if let failure { throw failure }
        return out
    }

    private func readRegion(origin: [Int], shape regionShape: [Int], into target: UnsafeMutableRawBufferPointer) throws(ZarrError) {
        guard !regionShape.contains(0) else { return }
        let chunkShape = metadata.chunkShape
        let first = zip(origin, chunkShape).map { $0 / $1 }
        let last = zip(zip(origin, regionShape), chunkShape).map { ($0.0 + $0.1 - 1) / $1 }
        let zeros = regionShape.map { _ in 0 }
        try GridWalk.forEach(from: first, through: last) { (coordinates) throws(ZarrError) in
            let chunkOrigin = zip(coordinates, chunkShape).map { $0 * $1 }
            let (sourceOrigin, extent, targetOrigin) = GridWalk.intersection(
                chunkOrigin: chunkOrigin, chunkShape: chunkShape, regionOrigin: origin, extent: regionShape, targetOrigin: zeros)
            let key = chunkKey(coordinates)
            if chunkShape.count == 1 && chain.isPassthrough {
                // 1-D, stored as raw elements: read just the wanted bytes into place.
                let size = metadata.dataType.size
                guard let storedSize = try reader.size(of: key) else {
                    RegionCopy.fill(target, shape: regionShape, origin: targetOrigin, extent: extent, pattern: fill)
                    return
                }
                guard storedSize == chunkShape[0] * size else {
                    throw ZarrError(.corruptChunk, "chunk holds \(storedSize) bytes, its shape \(chunkShape) needs \(chunkShape[0] * size)", key: key)
                }
                let slice = UnsafeMutableRawBufferPointer(rebasing: target[targetOrigin[0] * size..<(targetOrigin[0] + extent[0]) * size])
                guard try reader.read(key, offset: sourceOrigin[0] * size, into: slice) else {
                    throw ZarrError(.corruptChunk, "chunk disappeared while being read", key: key)
                }
            } else if let sharding = chain.shardingOnly {
                try sharding.read(key: key, from: reader, regionOrigin: sourceOrigin, extent: extent,
                                  into: target, targetShape: regionShape, targetOrigin: targetOrigin, indexCache: shardIndexCache)
            } else if let chunk = try decodeChunk(key) {
                chunk.bytes.withUnsafeBytes { source in
                    RegionCopy.copy(from: source, shape: chunkShape, origin: sourceOrigin, to: target, shape: regionShape,
                                    origin: targetOrigin, extent: extent, elementSize: chunk.elementSize)
                }
            } else {
                RegionCopy.fill(target, shape: regionShape, origin: targetOrigin, extent: extent, pattern: fill)
            }
        }
    }

    /// The decoded chunk at `key`, or `nil` when it is not stored.
    private func decodeChunk(_ key: String) throws(ZarrError) -> ChunkArray? {
        guard let bytes = try reader.get(key) else { return nil }
        do {
            return try chain.decode(bytes)
        } catch {
            throw ZarrError(error.code, error.message, key: key, underlying: error.underlying)
        }
    }

    // MARK: Writing

    /// Writes `values` (C order) to the region `[origin, origin + shape)`.
    public func write<T: ZarrElement>(_ values: [T], origin: [Int], shape regionShape: [Int]) throws(ZarrError) {
        try checkType(T.self)
        guard values.count == regionShape.reduce(1, *) else {
            throw ZarrError(.invalidArgument, "\(values.count) values do not fill a region of shape \(regionShape)")
        }
        try checkRegion(origin: origin, shape: regionShape, within: metadata.shape)
        try writeRaw(values.rawBytes, origin: origin, shape: regionShape, arrayShape: metadata.shape)
    }

    /// Writes `values` to the whole array.
    public func write<T: ZarrElement>(_ values: [T]) throws(ZarrError) {
        try write(values, origin: metadata.shape.map { _ in 0 }, shape: metadata.shape)
    }

    /// Appends `values` along the first dimension and then records the new shape, so the
    /// metadata never points past data that is not yet written. `values.count` must be a
    /// multiple of the other dimensions' product.
    public mutating func append<T: ZarrElement>(_ values: [T]) throws(ZarrError) {
        try checkType(T.self)
        guard !metadata.shape.isEmpty else { throw ZarrError(.invalidArgument, "cannot append to a 0-d array") }
        let rowSize = metadata.shape.dropFirst().reduce(1, *)
        guard rowSize > 0, values.count % rowSize == 0 else {
            throw ZarrError(.invalidArgument, "\(values.count) values are not whole rows of \(rowSize)")
        }
        var newShape = metadata.shape
        let rows = values.count / rowSize
        newShape[0] += rows
        var regionShape = metadata.shape
        regionShape[0] = rows
        var origin = metadata.shape.map { _ in 0 }
        origin[0] = metadata.shape[0]
        try writeRaw(values.rawBytes, origin: origin, shape: regionShape, arrayShape: newShape)
        metadata.shape = newShape
        try storeMetadata()
    }

    /// Changes the array's shape. Growing reveals fill value; shrinking deletes the chunks that
    /// fall outside and resets the cut-off part of edge chunks to fill value, so growing again
    /// later never brings old data back.
    public mutating func resize(to newShape: [Int]) throws(ZarrError) {
        guard newShape.count == metadata.shape.count, newShape.allSatisfy({ $0 >= 0 }) else {
            throw ZarrError(.invalidArgument, "cannot resize a \(metadata.shape.count)-D array to \(newShape)")
        }
        let oldShape = metadata.shape
        metadata.shape = newShape
        try storeMetadata()
        guard zip(newShape, oldShape).contains(where: { $0 < $1 }), !oldShape.contains(0) else { return }
        let chunkShape = metadata.chunkShape
        let writer = try requireWriter()
        let lastOld = zip(oldShape, chunkShape).map { ($0 - 1) / $1 }
        try GridWalk.forEach(from: oldShape.map { _ in 0 }, through: lastOld) { (coordinates) throws(ZarrError) in
            let chunkOrigin = zip(coordinates, chunkShape).map { $0 * $1 }
            let key = chunkKey(coordinates)
            if zip(chunkOrigin, newShape).contains(where: { $0 >= $1 }) {
                try writer.erase(key)
                return
            }
            let cut = (0..<newShape.count).contains { chunkOrigin[$0] + chunkShape[$0] > newShape[$0] && newShape[$0] < oldShape[$0] }
            guard cut, let stored = try decodeChunk(key) else { return }
            // Keep the part inside the new shape, fill value elsewhere.
            let keep = (0..<newShape.count).map { min(chunkShape[$0], newShape[$0] - chunkOrigin[$0]) }
            var chunk = ChunkArray(filledWith: fill, shape: chunkShape)
            let zeros = chunkShape.map { _ in 0 }
            stored.bytes.withUnsafeBytes { source in
                chunk.bytes.withUnsafeMutableBytes { target in
                    RegionCopy.copy(from: source, shape: chunkShape, origin: zeros, to: target, shape: chunkShape,
                                    origin: zeros, extent: keep, elementSize: chunk.elementSize)
                }
            }
            try storeChunk(chunk, key: key, writer: writer)
        }
    }

    /// Replaces the array's attributes.
    public mutating func setAttributes(_ attributes: [String: JSONValue]) throws(ZarrError) {
        metadata.attributes = attributes
        try storeMetadata()
    }

    func storeMetadata() throws(ZarrError) {
        try requireWriter().set(NodeDocument.metadataKey(path), metadata.json.serialized())
    }

    private func writeRaw(_ bytes: [UInt8], origin: [Int], shape regionShape: [Int], arrayShape: [Int]) throws(ZarrError) {
        guard !regionShape.contains(0) else { return }
        let writer = try requireWriter()
        let chunkShape = metadata.chunkShape
        let first = zip(origin, chunkShape).map { $0 / $1 }
        let last = zip(zip(origin, regionShape), chunkShape).map { ($0.0 + $0.1 - 1) / $1 }
        let zeros = regionShape.map { _ in 0 }
        try GridWalk.forEach(from: first, through: last) { (coordinates) throws(ZarrError) in
            let chunkOrigin = zip(coordinates, chunkShape).map { $0 * $1 }
            let (inChunk, extent, inRegion) = GridWalk.intersection(
                chunkOrigin: chunkOrigin, chunkShape: chunkShape, regionOrigin: origin, extent: regionShape, targetOrigin: zeros)
            let key = chunkKey(coordinates)
            // The part of the chunk inside the array; a write that covers it replaces the chunk.
            let valid = (0..<chunkShape.count).map { min(chunkShape[$0], arrayShape[$0] - chunkOrigin[$0]) }
            let covers = inChunk.allSatisfy { $0 == 0 } && extent == valid
            if regionShape == chunkShape && inRegion.allSatisfy({ $0 == 0 }) && inChunk.allSatisfy({ $0 == 0 }) && extent == chunkShape {
                // The region is exactly this chunk: store its bytes as they are.
                try storeChunk(ChunkArray(bytes: bytes, shape: chunkShape, elementSize: metadata.dataType.size), key: key, writer: writer)
                return
            }
            var chunk = covers ? nil : try decodeChunk(key)
            if chunk == nil { chunk = ChunkArray(filledWith: fill, shape: chunkShape) }
            bytes.withUnsafeBytes { source in
                chunk!.bytes.withUnsafeMutableBytes { target in
                    RegionCopy.copy(from: source, shape: regionShape, origin: inRegion, to: target, shape: chunkShape,
                                    origin: inChunk, extent: extent, elementSize: metadata.dataType.size)
                }
            }
            try storeChunk(chunk!, key: key, writer: writer)
        }
    }

    /// A whole chunk in its stored form: its key and encoded bytes, nil when the chunk is all
    /// fill value (stored as no object).
    public struct EncodedChunk: Sendable {
        public let key: String
        public let bytes: [UInt8]?
    }

    /// The stored form of the whole chunk at grid `coordinates` holding `bytes` (its elements, C
    /// order), for a writer that stores chunks itself with ``store(_:)``: several at once, from
    /// other threads, before the array's shape is grown to take them (``resize(to:)``).
    ///
    /// Takes `bytes` over: given a buffer of capacity ``encodedChunkCapacity`` that nothing else
    /// holds, a shard of bytes stored as they are is encoded in that buffer.
    public func encodedChunk(_ bytes: consuming [UInt8], at coordinates: [Int]) throws(ZarrError) -> EncodedChunk {
        let key = chunkKey(coordinates)
        guard bytes.count == metadata.chunkShape.reduce(metadata.dataType.size, *) else {
            throw ZarrError(.invalidArgument, "\(bytes.count) bytes are not one whole chunk of array '\(path)'", key: key)
        }
        let chunk = ChunkArray(bytes: consume bytes, shape: metadata.chunkShape, elementSize: metadata.dataType.size)
        guard !chunk.isFilled(with: fill) else { return EncodedChunk(key: key, bytes: nil) }
        do { return EncodedChunk(key: key, bytes: try chain.encode(consume chunk)) } catch { throw ZarrError(error.code, error.message, key: key) }
    }

    /// The most bytes one chunk takes once encoded (its elements and what the codecs add, such
    /// as a shard's index).
    public var encodedChunkCapacity: Int? { chain.maximumEncodedSize }

    /// Stores a chunk made by ``encodedChunk(_:at:)`` (erases its key when it is all fill value).
    /// Touches only the store, so it may run on any thread.
    public func store(_ chunk: EncodedChunk) throws(ZarrError) {
        let writer = try requireWriter()
        if let bytes = chunk.bytes { try writer.set(chunk.key, bytes) } else { try writer.erase(chunk.key) }
    }

    private func storeChunk(_ chunk: ChunkArray, key: String, writer: any WritableStore) throws(ZarrError) {
        if chunk.isFilled(with: fill) {
            try writer.erase(key)
        } else {
            let encoded: [UInt8]
            do { encoded = try chain.encode(chunk) } catch { throw ZarrError(error.code, error.message, key: key) }
            try writer.set(key, encoded)
        }
    }

    // MARK: Checks

    private func requireWriter() throws(ZarrError) -> any WritableStore {
        guard let writer, shardIndexCache == nil else { throw ZarrError(.invalidArgument, "array '\(path)' was opened read-only") }
        return writer
    }

    private func checkType<T: ZarrElement>(_: T.Type) throws(ZarrError) {
        guard T.zarrDataType == metadata.dataType else {
            throw ZarrError(.invalidArgument, "array '\(path)' holds \(metadata.dataType.rawValue), not \(T.zarrDataType.rawValue)")
        }
    }

    private func checkRegion(origin: [Int], shape regionShape: [Int], within arrayShape: [Int]) throws(ZarrError) {
        guard origin.count == arrayShape.count, regionShape.count == arrayShape.count,
              (0..<arrayShape.count).allSatisfy({ origin[$0] >= 0 && origin[$0] <= arrayShape[$0] && regionShape[$0] >= 0 && regionShape[$0] <= arrayShape[$0] - origin[$0] })
        else {
            throw ZarrError(.invalidArgument, "region at \(origin) of shape \(regionShape) is outside array '\(path)' of shape \(arrayShape)")
        }
    }
}
