internal import CZstd

/// The `zstd` codec (libzstd). Decoding accepts frames with or without a recorded content size
/// and concatenated frames, as the Zstandard format allows.
struct ZstdCodec: BytesToBytesCodec {
    let level: Int
    let checksum: Bool


    func encode(_ bytes: [UInt8]) throws(ZarrError) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw ZarrError(.io, "zstd: cannot allocate a compression context") }
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, checksum ? 1 : 0)
        let capacity = ZSTD_compressBound(bytes.count)
        var status = 0
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let written = bytes.withUnsafeBytes { source in
                ZSTD_compress2(context, buffer.baseAddress, capacity, source.baseAddress, source.count)
            }
            if ZSTD_isError(written) != 0 {
                status = written
                initialized = 0
            } else {
                initialized = written
            }
        }
        if status != 0 { throw ZarrError(.io, "zstd compression failed: \(String(cString: ZSTD_getErrorName(status)))") }
        return out
    }

    func decode(_ bytes: [UInt8], limit: Int) throws(ZarrError) -> [UInt8] {
        // A single frame that records its content size decodes in one call (zarr-python writes
        // such frames); anything else (unknown size, several frames) is streamed.
        let (declared, frameSize) = bytes.withUnsafeBytes {
            (ZSTD_getFrameContentSize($0.baseAddress, $0.count), ZSTD_findFrameCompressedSize($0.baseAddress, $0.count))
        }
        // ZSTD_CONTENTSIZE_UNKNOWN is 2^64-1, ZSTD_CONTENTSIZE_ERROR 2^64-2.
        if declared == UInt64.max - 1 { throw ZarrError(.corruptChunk, "zstd: data is not a valid Zstandard frame") }
        if declared < UInt64.max - 1, ZSTD_isError(frameSize) == 0, frameSize == bytes.count {
            guard declared <= UInt64(limit) else {
                throw ZarrError(.corruptChunk, "zstd frame declares \(declared) bytes, more than the \(limit) a chunk can hold")
            }
            return try decodeKnownSize(bytes, size: Int(declared))
        }
        return try decodeStreaming(bytes, limit: limit)
    }

    private func decodeKnownSize(_ bytes: [UInt8], size: Int) throws(ZarrError) -> [UInt8] {
        var status = 0
        let out = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let written = bytes.withUnsafeBytes { ZSTD_decompress(buffer.baseAddress, size, $0.baseAddress, $0.count) }
            if ZSTD_isError(written) != 0 { status = written; initialized = 0 } else { initialized = written }
        }
        if status != 0 { throw ZarrError(.corruptChunk, "zstd decompression failed: \(String(cString: ZSTD_getErrorName(status)))") }
        guard out.count == size else {
            throw ZarrError(.corruptChunk, "zstd frame declared \(size) bytes but decoded to \(out.count)")
        }
        return out
    }

    private func decodeStreaming(_ bytes: [UInt8], limit: Int) throws(ZarrError) -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw ZarrError(.io, "zstd: cannot allocate a decompression stream") }
        defer { ZSTD_freeDStream(stream) }
        var result: [UInt8] = []
        let step = ZSTD_DStreamOutSize()
        var chunk = [UInt8](repeating: 0, count: step)
        var failure: String?
        bytes.withUnsafeBytes { source in
            var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while failure == nil {
                var produced = 0
                var remaining = 0
                chunk.withUnsafeMutableBytes { target in
                    var output = ZSTD_outBuffer(dst: target.baseAddress, size: step, pos: 0)
                    remaining = ZSTD_decompressStream(stream, &output, &input)
                    produced = output.pos
                    if ZSTD_isError(remaining) == 0 { result.append(contentsOf: target[0..<produced]) }
                }
                if ZSTD_isError(remaining) != 0 {
                    failure = String(cString: ZSTD_getErrorName(remaining))
                } else if result.count > limit {
                    failure = "decoded data exceeds the \(limit) bytes a chunk can hold"
                } else if input.pos == input.size {
                    if remaining == 0 { break }  // every frame complete
                    // The decoder wants more input than there is, and has nothing left to flush.
                    if produced < step { failure = "truncated frame" }
                }
            }
        }
        if let failure { throw ZarrError(.corruptChunk, "zstd decompression failed: \(failure)") }
        return result
    }

    func fixedEncodedSize(_ size: Int) -> Int? { nil }

    func maximumEncodedSize(_ size: Int) -> Int? {
        guard size >= 0, size < Int.max / 2 else { return nil }
        return ZSTD_compressBound(size)
    }
}
