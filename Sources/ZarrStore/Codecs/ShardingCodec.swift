/// The `sharding_indexed` codec: a shard holds inner chunks, each encoded with the inner codecs,
/// plus an index of (offset, nbytes) uint64 pairs in C order of the inner chunk grid. An inner
/// chunk that is entirely fill value is not stored; its index entry is (2^64-1, 2^64-1).
struct ShardingCodec: ArrayToBytesCodec {
    let spec: ShardingSpec
    let shardShape: [Int]
    let chunksPerShard: [Int]
    let inner: CodecChain
    let index: CodecChain
    let indexSize: Int
    let fillValue: [UInt8]

    static let emptyEntry = UInt64.max

    init(_ spec: ShardingSpec, shardShape: [Int], dataType: DataType, fillValue: [UInt8]) throws(ZarrError) {
        guard spec.chunkShape.count == shardShape.count,
              zip(shardShape, spec.chunkShape).allSatisfy({ $0 % $1 == 0 })
        else {
            throw ZarrError(.invalidMetadata, "sharding inner chunk shape \(spec.chunkShape) does not divide the shard shape \(shardShape)")
        }
        self.spec = spec
        self.shardShape = shardShape
        chunksPerShard = zip(shardShape, spec.chunkShape).map { $0 / $1 }
        self.fillValue = fillValue
        inner = try CodecChain(spec.codecs, chunkShape: spec.chunkShape, dataType: dataType, fillValue: fillValue)
        let zeros = [UInt8](repeating: 0, count: 8)
        index = try CodecChain(spec.indexCodecs, chunkShape: chunksPerShard + [2], dataType: .uint64, fillValue: zeros)
        guard let size = index.fixedEncodedSize else {
            throw ZarrError(.invalidMetadata, "sharding index_codecs must have a fixed encoded size (e.g. bytes + crc32c)")
        }
        indexSize = size
    }

    private var innerChunkCount: Int { chunksPerShard.reduce(1, *) }

    func fixedEncodedSize(shape: [Int]) -> Int? { nil }

    func maximumEncodedSize(shape: [Int]) -> Int? {
        guard let innerSize = inner.maximumEncodedSize, let body = Shape.product([innerChunkCount, innerSize]) else { return nil }
        return Shape.sum(body, indexSize)
    }

    func encode(_ chunk: consuming ChunkArray) throws(ZarrError) -> [UInt8] {
        if let entries = entriesInPlace(of: chunk) {
            // The shard is the chunk's own bytes followed by the index: no copy of the data
            // when the buffer has room for the index, else one into a buffer of exactly the
            // shard's size (appending would double it).
            var shard = (consume chunk).bytes
            let index = try encodedIndex(entries)
            shard.reserveCapacity(shard.count + index.count)
            shard.append(contentsOf: index)
            return shard
        }
        var entries = [UInt64](repeating: Self.emptyEntry, count: 2 * innerChunkCount)
        var body: [UInt8] = []
        body.reserveCapacity(chunk.bytes.count + indexSize)
        let innerShape = spec.chunkShape
        let innerCount = innerShape.reduce(1, *)
        try GridWalk.forEach(chunksPerShard) { (linear, coordinates) throws(ZarrError) in
            let origin = zip(coordinates, innerShape).map { $0 * $1 }
            let bytes = [UInt8](unsafeUninitializedCapacity: innerCount * chunk.elementSize) { out, initialized in
                chunk.bytes.withUnsafeBytes { source in
                    RegionCopy.copy(from: source, shape: shardShape, origin: origin,
                                    to: UnsafeMutableRawBufferPointer(out), shape: innerShape, origin: innerShape.map { _ in 0 },
                                    extent: innerShape, elementSize: chunk.elementSize)
                }
                initialized = innerCount * chunk.elementSize
            }
            let innerChunk = ChunkArray(bytes: bytes, shape: innerShape, elementSize: chunk.elementSize)
            if innerChunk.isFilled(with: fillValue) { return }
            let encoded = try inner.encode(innerChunk)
            let base = spec.indexLocation == .start ? indexSize : 0
            entries[2 * linear] = UInt64(base + body.count)
            entries[2 * linear + 1] = UInt64(encoded.count)
            body += encoded
        }
        let encodedIndex = try encodedIndex(entries)
        if spec.indexLocation == .start { return encodedIndex + body }
        body.append(contentsOf: encodedIndex)
        return body
    }

    /// The index entries of `chunk` stored as it is, when that is what encoding it one inner
    /// chunk at a time would give: one dimension (inner chunks lie one after another), inner
    /// chunks stored as they are (a lone `bytes` codec in host order), the index at the end, and
    /// no inner chunk all fill value (those are left out); nil otherwise.
    private func entriesInPlace(of chunk: borrowing ChunkArray) -> [UInt64]? {
        guard shardShape.count == 1, inner.isPassthrough, spec.indexLocation == .end else { return nil }
        let innerBytes = spec.chunkShape[0] * chunk.elementSize
        guard chunk.bytes.count == innerChunkCount * innerBytes else { return nil }
        var entries: [UInt64] = []
        entries.reserveCapacity(2 * innerChunkCount)
        let allStored = chunk.bytes.withUnsafeBytes { raw in
            for start in stride(from: 0, to: raw.count, by: innerBytes) {
                if ChunkArray.isFilled(UnsafeRawBufferPointer(rebasing: raw[start..<start + innerBytes]), with: fillValue) { return false }
                entries += [UInt64(start), UInt64(innerBytes)]
            }
            return true
        }
        return allStored ? entries : nil
    }

    private func encodedIndex(_ entries: [UInt64]) throws(ZarrError) -> [UInt8] {
        try index.encode(ChunkArray(bytes: entries.rawBytes, shape: chunksPerShard + [2], elementSize: 8))
    }

    func decode(_ bytes: [UInt8], shape: [Int]) throws(ZarrError) -> ChunkArray {
        guard bytes.count >= indexSize else {
            throw ZarrError(.corruptChunk, "shard of \(bytes.count) bytes is shorter than its \(indexSize)-byte index")
        }
        let indexBytes = spec.indexLocation == .start ? Array(bytes[0..<indexSize]) : Array(bytes[(bytes.count - indexSize)...])
        let entries = try decodeIndex(indexBytes, shardSize: bytes.count)
        var shard = ChunkArray(filledWith: fillValue, shape: shardShape)
        let innerShape = spec.chunkShape
        try GridWalk.forEach(chunksPerShard) { (linear, coordinates) throws(ZarrError) in
            guard let range = entries[linear] else { return }
            let innerChunk = try inner.decode(Array(bytes[range]))
            let origin = zip(coordinates, innerShape).map { $0 * $1 }
            innerChunk.bytes.withUnsafeBytes { source in
                shard.bytes.withUnsafeMutableBytes { target in
                    RegionCopy.copy(from: source, shape: innerShape, origin: innerShape.map { _ in 0 },
                                    to: target, shape: shardShape, origin: origin,
                                    extent: innerShape, elementSize: shard.elementSize)
                }
            }
        }
        return shard
    }

    /// The byte range of each inner chunk in C order, `nil` for chunks that are not stored.
    /// - Throws: ``ZarrError/Code/corruptChunk`` when the index checksum fails or a range lies
    ///   outside the shard.
    func decodeIndex(_ indexBytes: [UInt8], shardSize: Int) throws(ZarrError) -> [Range<Int>?] {
        let decoded = try index.decode(indexBytes)
        let values = [UInt64](rawBytes: decoded.bytes)
        var ranges: [Range<Int>?] = []
        ranges.reserveCapacity(innerChunkCount)
        for i in 0..<innerChunkCount {
            let offset = values[2 * i], length = values[2 * i + 1]
            if offset == Self.emptyEntry && length == Self.emptyEntry {
                ranges.append(nil)
                continue
            }
            guard offset <= UInt64(shardSize), length <= UInt64(shardSize) - offset else {
                throw ZarrError(.corruptChunk, "shard index entry \(i) (offset \(offset), \(length) bytes) lies outside the \(shardSize)-byte shard")
            }
            ranges.append(Int(offset)..<Int(offset + length))
        }
        return ranges
    }

    /// Reads the part `[regionOrigin, regionOrigin + extent)` (shard coordinates) of the shard at
    /// `key` into `target`, fetching only the index and the inner chunks the region touches.
    /// Inner chunks that lie back to back in the shard are fetched with one read.
    func read(
        key: String, from store: any ReadableStore, regionOrigin: [Int], extent: [Int],
        into target: UnsafeMutableRawBufferPointer, targetShape: [Int], targetOrigin: [Int], indexCache: ShardIndexCache? = nil
    ) throws(ZarrError) {
        let entries: [Range<Int>?]
        if let cached = indexCache?.entry(key) {
            entries = cached.entries
        } else {
            guard let shardSize = try store.size(of: key) else {
                RegionCopy.fill(target, shape: targetShape, origin: targetOrigin, extent: extent, pattern: fillValue)
                return
            }
            guard shardSize >= indexSize else {
                throw ZarrError(.corruptChunk, "shard of \(shardSize) bytes is shorter than its \(indexSize)-byte index", key: key)
            }
            let indexRange: ByteRange = spec.indexLocation == .start ? .bounded(offset: 0, length: indexSize) : .suffix(length: indexSize)
            guard let indexBytes = try store.get(key, range: indexRange) else {
                RegionCopy.fill(target, shape: targetShape, origin: targetOrigin, extent: extent, pattern: fillValue)
                return
            }
            do { entries = try decodeIndex(indexBytes, shardSize: shardSize) } catch { throw ZarrError(error.code, error.message, key: key) }
            indexCache?.store(.init(shardSize: shardSize, entries: entries), for: key)
        }

        let innerShape = spec.chunkShape
        let first = zip(regionOrigin, innerShape).map { $0 / $1 }
        let last = zip(zip(regionOrigin, extent), innerShape).map { ($0.0 + $0.1 - 1) / $1 }
        var wanted: [(coordinates: [Int], range: Range<Int>)] = []
        GridWalk.forEach(from: first, through: last) { coordinates in
            let linear = GridWalk.linearIndex(coordinates, in: chunksPerShard)
            let innerOrigin = zip(coordinates, innerShape).map { $0 * $1 }
            if let range = entries[linear] {
                wanted.append((coordinates, range))
            } else {
                let (_, copyExtent, destinationOrigin) = GridWalk.intersection(
                    chunkOrigin: innerOrigin, chunkShape: innerShape, regionOrigin: regionOrigin, extent: extent, targetOrigin: targetOrigin)
                RegionCopy.fill(target, shape: targetShape, origin: destinationOrigin, extent: copyExtent, pattern: fillValue)
            }
        }
        wanted.sort { $0.range.lowerBound < $1.range.lowerBound }
        if innerShape.count == 1 && inner.isPassthrough {
            try readPassthrough(wanted, key: key, from: store, regionOrigin: regionOrigin, extent: extent, into: target, targetOrigin: targetOrigin)
            return
        }
        var start = 0
        while start < wanted.count {
            var end = start + 1
            while end < wanted.count, wanted[end].range.lowerBound == wanted[end - 1].range.upperBound { end += 1 }
            let span = wanted[start].range.lowerBound..<wanted[end - 1].range.upperBound
            guard let run = try store.get(key, range: .bounded(offset: span.lowerBound, length: span.count)), run.count == span.count else {
                throw ZarrError(.corruptChunk, "shard ended before byte \(span.upperBound)", key: key)
            }
            for item in wanted[start..<end] {
                let slice = Array(run[(item.range.lowerBound - span.lowerBound)..<(item.range.upperBound - span.lowerBound)])
                let innerChunk: ChunkArray
                do { innerChunk = try inner.decode(slice) } catch { throw ZarrError(error.code, error.message, key: key) }
                let innerOrigin = zip(item.coordinates, innerShape).map { $0 * $1 }
                let (sourceOrigin, copyExtent, destinationOrigin) = GridWalk.intersection(
                    chunkOrigin: innerOrigin, chunkShape: innerShape, regionOrigin: regionOrigin, extent: extent, targetOrigin: targetOrigin)
                innerChunk.bytes.withUnsafeBytes { source in
                    RegionCopy.copy(from: source, shape: innerShape, origin: sourceOrigin, to: target, shape: targetShape,
                                    origin: destinationOrigin, extent: copyExtent, elementSize: innerChunk.elementSize)
                }
            }
            start = end
        }
    }

    /// 1-D inner chunks stored as raw elements: each wanted element range is read from the shard
    /// straight into `target`, so a read fetches exactly the bytes it returns.
    private func readPassthrough(
        _ wanted: [(coordinates: [Int], range: Range<Int>)], key: String, from store: any ReadableStore, regionOrigin: [Int], extent: [Int],
        into target: UnsafeMutableRawBufferPointer, targetOrigin: [Int]
    ) throws(ZarrError) {
        let size = inner.dataType.size
        let innerLength = spec.chunkShape[0]
        // Consecutive inner chunks that lie back to back in the shard and in the region are read
        // with one request: (shard offset, target byte range) of the run being gathered.
        var run: (offset: Int, target: Range<Int>)?
        func flush() throws(ZarrError) {
            guard let pending = run else { return }
            run = nil
            guard try store.read(key, offset: pending.offset, into: UnsafeMutableRawBufferPointer(rebasing: target[pending.target])) else {
                throw ZarrError(.corruptChunk, "shard disappeared while being read", key: key)
            }
        }
        var previousEnd: Int?
        for item in wanted.sorted(by: { $0.coordinates[0] < $1.coordinates[0] }) {
            guard item.range.count == innerLength * size else {
                throw ZarrError(.corruptChunk, "inner chunk \(item.coordinates[0]) holds \(item.range.count) bytes, \(innerLength * size) expected", key: key)
            }
            let (sourceOrigin, copyExtent, destinationOrigin) = GridWalk.intersection(
                chunkOrigin: [item.coordinates[0] * innerLength], chunkShape: [innerLength], regionOrigin: regionOrigin,
                extent: extent, targetOrigin: targetOrigin)
            let offset = item.range.lowerBound + sourceOrigin[0] * size
            let bytes = destinationOrigin[0] * size..<(destinationOrigin[0] + copyExtent[0]) * size
            if let pending = run, previousEnd == offset, pending.target.upperBound == bytes.lowerBound {
                run = (pending.offset, pending.target.lowerBound..<bytes.upperBound)
            } else {
                try flush()
                run = (offset, bytes)
            }
            previousEnd = item.range.upperBound
        }
        try flush()
    }
}
