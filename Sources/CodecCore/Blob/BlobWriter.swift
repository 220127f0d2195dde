import ZarrStore

/// Streams an encoded stream into a recording's blob array: bytes are buffered and stored a
/// whole shard at a time, up to ``uploadsInFlight`` shards being stored on other threads while
/// the encoder goes on (``ChunkUploads``; memory: about that many shards plus one), and an
/// encoder may seek back to patch bytes it wrote earlier (FLAC rewrites STREAMINFO at the end).
/// The array's shape is grown to take the stored shards before anything reads it (a patch,
/// ``finish()``).
///
/// The array is created when the first shard is full, or at ``finish()``: a stream shorter than
/// one shard then gets one shard holding one inner chunk of exactly its length (with
/// `fitsShortStreams`), so a short recording costs its stream plus a few hundred bytes of
/// metadata instead of a whole padded inner chunk.
public final class BlobWriter {
    private let group: ZarrGroup
    private let name: String
    private let innerChunkBytes: Int
    private let fitsShortStreams: Bool
    private var created: ZarrArray?
    private let flushBytes: Int
    private var pending: [UInt8] = []
    /// Bytes already appended to the array.
    private var flushed: Int64 = 0
    /// Shards appended that were all zero bytes (Zarr does not store them).
    private var zeroShards: [Int] = []
    /// Whole shards being stored on other threads.
    private let uploads = ChunkUploads(limit: BlobWriter.uploadsInFlight)
    /// Whether shards were stored past the array's recorded shape.
    private var shapeBehind = false
    /// Shards stored at once while the encoder goes on.
    public static let uploadsInFlight = 3
    /// Where the next write goes.
    public private(set) var position: Int64 = 0

    /// A writer of the blob array `name` in `group`: 1-D uint8, shards of `shardBytes` holding
    /// inner chunks of `innerChunkBytes`, no compression (the stream is already compressed).
    /// - Parameter fitsShortStreams: a stream shorter than one shard is stored as one shard and
    ///   inner chunk of its own length.
    public init(in group: ZarrGroup, name: String, shardBytes: Int, innerChunkBytes: Int, fitsShortStreams: Bool = false) throws(CodecError) {
        guard shardBytes > 0, innerChunkBytes > 0, shardBytes % innerChunkBytes == 0 else {
            throw CodecError(.invalidArgument, "blob shards of \(shardBytes) bytes cannot hold inner chunks of \(innerChunkBytes)", file: group.path)
        }
        self.group = group
        self.name = name
        self.innerChunkBytes = innerChunkBytes
        self.fitsShortStreams = fitsShortStreams
        flushBytes = shardBytes
        pending.reserveCapacity(bufferCapacity)
    }

    /// The room the buffer is given: a shard, and once the array exists the shard's index too,
    /// so the shard is encoded in the buffer itself.
    private var bufferCapacity: Int { max(flushBytes, created?.encodedChunkCapacity ?? 0) }

    /// A writer given up (its import failed) still waits for the shards in flight, so that none
    /// is stored after the caller has cleared what the import staged.
    deinit {
        try? uploads.drain()
    }

    /// The blob array, created on first use with shards of `shardBytes` and inner chunks of `innerBytes`.
    private func array(shardBytes: Int = 0, innerBytes: Int = 0) throws(CodecError) -> ZarrArray {
        if let created { return created }
        do {
            let array = try group.createArray(name, metadata: ArrayMetadata(
                shape: [0], dataType: .uint8, chunkShape: [shardBytes > 0 ? shardBytes : flushBytes],
                codecs: [.shardingIndexed(ShardingSpec(chunkShape: [innerBytes > 0 ? innerBytes : innerChunkBytes], codecs: [.bytes(endian: nil)]))]))
            created = array
            return array
        } catch {
            throw CodecError.store(error, "cannot create the blob array", file: group.path)
        }
    }

    /// The total length written so far.
    public var length: Int64 { flushed + Int64(pending.count) }

    /// Writes `bytes` at ``position`` (appending at the end, or overwriting earlier bytes).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(CodecError) {
        var source = bytes[...]
        // Overwrite what lies before the end first.
        if position < length {
            let overlap = Int(min(Int64(source.count), length - position))
            try overwrite(at: position, with: UnsafeRawBufferPointer(rebasing: source.prefix(overlap)))
            position += Int64(overlap)
            source = source.dropFirst(overlap)
        }
        // Up to the end of the shard at a time, so the buffer never grows past one shard and is
        // handed over whole.
        while !source.isEmpty {
            let taken = min(source.count, flushBytes - pending.count)
            pending.append(contentsOf: source.prefix(taken))
            position += Int64(taken)
            source = source.dropFirst(taken)
            if pending.count >= flushBytes { try flush(whole: true) }
        }
    }

    /// Writes `bytes` at ``position``, as ``write(_:)-(UnsafeRawBufferPointer)`` does.
    public func write(_ bytes: [UInt8]) throws(CodecError) {
        var failure: CodecError?
        bytes.withUnsafeBytes { raw in
            do throws(CodecError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes `bytes` over earlier bytes from `offset` and moves back to where writing was (an
    /// encoder completing a header at the end of its stream).
    public func rewrite(_ bytes: [UInt8], at offset: Int64) throws(CodecError) {
        let resume = position
        try seek(to: offset)
        try write(bytes)
        try seek(to: resume)
    }

    /// Moves the write position (within what has been written).
    public func seek(to offset: Int64) throws(CodecError) {
        guard offset >= 0, offset <= length else {
            throw CodecError(.invalidArgument, "seek to \(offset) outside the \(length)-byte blob")
        }
        position = offset
    }

    /// Appends everything still buffered; returns the final array.
    public func finish() throws(CodecError) -> ZarrArray {
        if created == nil && fitsShortStreams && pending.count < flushBytes {
            let fitted = max(1, pending.count)
            _ = try array(shardBytes: fitted, innerBytes: fitted)
        }
        try flush(whole: false)
        var array = try settledArray()
        // A patch may have made a zero shard non-zero again; record only those still missing.
        var missing: [Int] = []
        for shard in zeroShards {
            do {
                if !(try array.isChunkStored([shard])) { missing.append(shard) }
            } catch {
                throw CodecError.store(error, "cannot check blob shard \(shard)", file: array.path)
            }
        }
        if !missing.isEmpty {
            do {
                try array.setAttributes(array.metadata.attributes.merging([BlobReader.zeroShardsAttribute: .array(missing.map { .int(Int64($0)) })]) { _, new in new })
            } catch {
                throw CodecError.store(error, "cannot record the blob's zero shards", file: array.path)
            }
            created = array
        }
        return array
    }

    private func overwrite(at offset: Int64, with bytes: UnsafeRawBufferPointer) throws(CodecError) {
        var done = 0
        if offset < flushed {
            let inArray = Int(min(Int64(bytes.count), flushed - offset))
            let array = try settledArray()
            do {
                try array.write(Array(bytes.prefix(inArray)), origin: [Int(offset)], shape: [inArray])
            } catch {
                throw CodecError.store(error, "cannot patch blob bytes at \(offset)", file: array.path, byteOffset: offset)
            }
            done = inArray
        }
        if done < bytes.count {
            let start = Int(offset + Int64(done) - flushed)
            pending.withUnsafeMutableBytes { target in
                UnsafeMutableRawBufferPointer(rebasing: target[start..<start + bytes.count - done])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[done...]))
            }
        }
    }

    /// The array once every shard submitted is stored and its shape takes them.
    private func settledArray() throws(CodecError) -> ZarrArray {
        var array = try array()
        do {
            try uploads.drain()
        } catch {
            throw CodecError.store(error, "cannot store a blob shard", file: array.path)
        }
        if shapeBehind {
            do { try array.resize(to: [Int(flushed)]) } catch { throw CodecError.store(error, "cannot grow the blob", file: array.path) }
            shapeBehind = false
            created = array
        }
        return array
    }

    /// Stores the buffer: as a whole shard, or (not `whole`) as the last, partial one. The buffer
    /// holds at most one shard (``write(_:)-(UnsafeRawBufferPointer)`` fills it to the shard's end),
    /// so it is handed over without a copy.
    private func flush(whole: Bool) throws(CodecError) {
        var array = try array()
        let shardBytes = array.metadata.chunkShape.first ?? flushBytes
        guard !pending.isEmpty, !whole || pending.count >= shardBytes else { return }
        let piece = pending, count = pending.count
        pending = []
        if whole { pending.reserveCapacity(bufferCapacity) }
        let shard = Int(flushed / Int64(shardBytes))
        if !piece.contains(where: { $0 != 0 }) { zeroShards.append(shard) }
        if count == shardBytes {
            // A whole shard: stored on an upload thread, the shape grown later; the buffer is
            // freed once encoded, before waiting for a free upload.
            let encoded: ZarrArray.EncodedChunk
            do {
                encoded = try array.encodedChunk(consume piece, at: [shard])
            } catch {
                throw CodecError.store(error, "cannot encode blob shard \(shard)", file: array.path, byteOffset: flushed)
            }
            do {
                let target = array
                try uploads.submit { () throws(ZarrError) in try target.store(encoded) }
            } catch {
                // An earlier shard's store failed (its key names it), not this one.
                throw CodecError.store(error, "cannot store a blob shard", file: array.path)
            }
            shapeBehind = true
        } else {
            // The last, partial shard: appended after the others, growing the shape.
            array = try settledArray()
            do {
                try array.append(piece)
            } catch {
                throw CodecError.store(error, "cannot append to the blob", file: array.path, byteOffset: flushed)
            }
            created = array
        }
        flushed += Int64(count)
    }
}
