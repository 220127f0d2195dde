internal import CWavPack
import CodecCore
import ZarrStore

extension WavPack {
    /// Decodes `samples` samples per channel from whole frames held in memory with a fresh
    /// libwavpack context: the bare decoding cost that extraction adds lookup and I/O to.
    public static func decodeFrames(_ frames: [UInt8], samples: Int) throws(CodecError) -> [Int32] {
        try FrameDecoder(frames: frames).decode(samples)
    }

    /// Decodes WavPack frames with libwavpack, through its stream-reader interface over bytes
    /// held in memory (whole frames, for an extraction) or read piece by piece from a blob (a
    /// whole stream, for the import check): libwavpack takes the first block's index as the
    /// stream start, so decoding can begin at any frame (every initial block carries what a
    /// decoder needs: rate, channel layout, float format).
    ///
    /// Owns the libwavpack context and the bytes it reads, freed in `deinit`; not Sendable: one
    /// per extraction. libwavpack's callbacks get this object unretained as their id; it outlives
    /// the context, which it closes.
    final class FrameDecoder {
        /// The bytes at `windowStart...`: all of them in memory, or the current piece of `blob`.
        private var window: [UInt8]
        private var windowStart: Int64 = 0
        private let blob: BlobReader?
        private let totalLength: Int64
        private var position: Int64 = 0
        private var pushedBack: Int32?
        private var reader = WavpackStreamReader64()
        private var context: OpaquePointer?
        /// A failed read of the blob (libwavpack sees the end of the stream; the decode reports it).
        private(set) var readFailure: CodecError?

        /// Bytes read from a blob at a time.
        static let pieceBytes = 1 << 20

        convenience init(frames: [UInt8]) throws(CodecError) {
            try self.init(window: frames, blob: nil, length: Int64(frames.count))
        }

        /// A decoder of the whole stream in `blob`, reading it a piece at a time.
        convenience init(streamIn blob: BlobReader) throws(CodecError) {
            try self.init(window: [], blob: blob, length: blob.length)
        }

        private init(window: [UInt8], blob: BlobReader?, length: Int64) throws(CodecError) {
            self.window = window
            self.blob = blob
            totalLength = length
            reader.read_bytes = readBytes
            reader.get_pos = getPosition
            reader.set_pos_abs = setPositionAbsolute
            reader.set_pos_rel = setPositionRelative
            reader.push_back_byte = pushBackByte
            reader.get_length = getLength
            reader.can_seek = canSeek
            var error = [CChar](repeating: 0, count: 81)
            let opened = WavpackOpenFileInputEx64(&reader, Unmanaged.passUnretained(self).toOpaque(), nil, &error, 0, 0)
            guard let opened else {
                throw readFailure ?? CodecError(.corrupt, "libwavpack cannot decode the frames: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))", codec: WavPack.codecID)
            }
            context = opened
        }

        deinit {
            if let context { WavpackCloseFile(context) }
        }

        var channelCount: Int { Int(WavpackGetNumChannels(context)) }
        var sampleRate: Int { Int(WavpackGetSampleRate(context)) }
        var bitsPerSample: Int { Int(WavpackGetBitsPerSample(context)) }
        /// 32-bit IEEE float samples.
        var isFloat: Bool { WavpackGetMode(context) & MODE_FLOAT != 0 }
        /// Lossless (false for hybrid lossy streams decoded without their correction file).
        var isLossless: Bool { WavpackGetMode(context) & MODE_LOSSLESS != 0 }
        var isHybrid: Bool { WavpackGetMode(context) & MODE_HYBRID != 0 }

        /// Decodes `frames` samples per channel (interleaved int32: integers at their value,
        /// floats as bit patterns).
        /// - Throws: ``CodecError/Code/corrupt`` when fewer come out or libwavpack counts CRC errors.
        func decode(_ frames: Int) throws(CodecError) -> [Int32] {
            let channels = channelCount
            var samples = [Int32](repeating: 0, count: frames * channels)
            var done = 0
            while done < frames {
                let got = samples.withUnsafeMutableBufferPointer { buffer in
                    Int(WavpackUnpackSamples(context, buffer.baseAddress! + done * channels, UInt32(frames - done)))
                }
                if got == 0 { break }
                done += got
            }
            guard done == frames, WavpackGetNumErrors(context) == 0 else {
                throw CodecError(.corrupt, "libwavpack decoded \(done) of \(frames) samples with \(WavpackGetNumErrors(context)) errors", codec: WavPack.codecID)
            }
            return samples
        }

        /// Decodes up to `frames` samples per channel into `samples` (resized), continuing where
        /// the last call ended; 0 at the end of the stream.
        func decodeNext(_ frames: Int, into samples: inout [Int32]) -> Int {
            let channels = channelCount
            if samples.count != frames * channels { samples = [Int32](repeating: 0, count: frames * channels) }
            return samples.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                return Int(WavpackUnpackSamples(context, base, UInt32(frames)))
            }
        }

        /// Errors libwavpack counted so far (CRC mismatches, damaged blocks).
        var errorCount: Int { Int(WavpackGetNumErrors(context)) }

        fileprivate func read(_ data: UnsafeMutableRawPointer, _ count: Int32) -> Int32 {
            var written = 0
            var target = data
            if let byte = pushedBack, count > 0 {
                target.storeBytes(of: UInt8(truncatingIfNeeded: byte), as: UInt8.self)
                target += 1
                written = 1
                pushedBack = nil
                position += 1
            }
            while written < Int(count), position < totalLength {
                let inWindow = position - windowStart
                guard inWindow >= 0, inWindow < Int64(window.count) else {
                    guard let blob, readFailure == nil else { break }
                    do {
                        window = try blob.read(position..<min(totalLength, position + Int64(Self.pieceBytes)))
                        windowStart = position
                    } catch {
                        readFailure = error
                        break
                    }
                    continue
                }
                let n = min(Int(count) - written, window.count - Int(inWindow))
                window.withUnsafeBytes { target.copyMemory(from: $0.baseAddress! + Int(inWindow), byteCount: n) }
                target += n
                position += Int64(n)
                written += n
            }
            return Int32(written)
        }

        fileprivate var offset: Int64 { position }
        fileprivate var length: Int64 { totalLength }

        fileprivate func seek(to target: Int64) -> Int32 {
            guard target >= 0, target <= totalLength else { return -1 }
            position = target
            pushedBack = nil
            return 0
        }

        fileprivate func pushBack(_ byte: Int32) -> Int32 {
            pushedBack = byte
            position -= 1
            return byte
        }
    }
}

private func decoder(_ id: UnsafeMutableRawPointer?) -> WavPack.FrameDecoder {
    Unmanaged<WavPack.FrameDecoder>.fromOpaque(id!).takeUnretainedValue()
}

private let readBytes: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32) -> Int32 = { id, data, count in
    guard let data, count > 0 else { return 0 }
    return decoder(id).read(data, count)
}
private let getPosition: @convention(c) (UnsafeMutableRawPointer?) -> Int64 = { id in decoder(id).offset }
private let setPositionAbsolute: @convention(c) (UnsafeMutableRawPointer?, Int64) -> Int32 = { id, target in decoder(id).seek(to: target) }
private let setPositionRelative: @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int32 = { id, delta, mode in
    let source = decoder(id)
    // SEEK_SET 0, SEEK_CUR 1, SEEK_END 2.
    let base: Int64 = mode == 0 ? 0 : mode == 1 ? source.offset : source.length
    return source.seek(to: base + delta)
}
private let pushBackByte: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32 = { id, byte in decoder(id).pushBack(byte) }
private let getLength: @convention(c) (UnsafeMutableRawPointer?) -> Int64 = { id in decoder(id).length }
private let canSeek: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { _ in 1 }
