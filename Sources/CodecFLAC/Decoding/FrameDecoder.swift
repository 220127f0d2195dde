internal import CFLAC
import CodecCore

extension FLAC {
    /// Decodes whole frames held in memory (`preamble` from ``MetadataChain/decoderPreamble``)
    /// with a fresh libFLAC decoder: interleaved native samples. This is the bare decoding cost
    /// that extraction adds lookup and I/O to.
    public static func decodeFrames(_ frames: [UInt8], preamble: [UInt8], channels: Int) throws(CodecError) -> [Int32] {
        try FrameDecoder().decode(preamble: preamble, frames: frames, channels: channels).samples
    }

    /// Decodes a run of whole frames from memory with libFLAC: the stream preamble ("fLaC" +
    /// STREAMINFO) is fed first, then the frame bytes, so decoding can start at any frame.
    ///
    /// Owns one libFLAC decoder, freed in `deinit`; not Sendable: use one per task.
    final class FrameDecoder {
        private let decoder: UnsafeMutablePointer<FLAC__StreamDecoder>
        private var preamble: [UInt8] = []
        private var frames: [UInt8] = []
        private var position = 0
        private(set) var samples: [Int32] = []
        private(set) var frameBlockSizes: [Int] = []
        /// Where each decoded frame ends, in bytes from the start of the frame data.
        private(set) var frameEnds: [Int] = []
        private var errors: [String] = []
        private var channels = 0

        init() throws(CodecError) {
            guard let decoder = FLAC__stream_decoder_new() else {
                throw CodecError(.library, "libFLAC could not allocate a decoder", codec: FLAC.codecID)
            }
            self.decoder = decoder
        }

        deinit {
            FLAC__stream_decoder_delete(decoder)
        }

        /// Decodes `frames` (whole frames, in order) of a stream described by `preamble`.
        /// - Returns: interleaved native samples, and each decoded frame's block size.
        /// - Throws: ``CodecError/Code/corrupt`` when libFLAC reports a damaged frame.
        func decode(preamble: [UInt8], frames: [UInt8], channels: Int) throws(CodecError) -> (samples: [Int32], blockSizes: [Int]) {
            try start(preamble: preamble, frames: frames, channels: channels)
            let ok = FLAC__stream_decoder_process_until_end_of_stream(decoder) != 0
            FLAC__stream_decoder_finish(decoder)
            self.frames = []
            guard ok, errors.isEmpty else {
                throw CodecError(.corrupt, "damaged frame data: \(errors.isEmpty ? "decoder stopped" : errors.joined(separator: ", "))", codec: FLAC.codecID)
            }
            return (samples, frameBlockSizes)
        }

        /// The length in bytes of the frame `bytes` start with, as libFLAC reads it (header,
        /// subframes, padding, CRC-16); nil when libFLAC reports an error before that frame is
        /// complete (a damaged or cut-off frame). Bytes after the frame (tags, junk) are not read
        /// beyond libFLAC's buffer.
        func lengthOfFirstFrame(preamble: [UInt8], bytes: [UInt8], channels: Int) throws(CodecError) -> Int? {
            try start(preamble: preamble, frames: bytes, channels: channels)
            let ok = FLAC__stream_decoder_process_until_end_of_metadata(decoder) != 0
                && FLAC__stream_decoder_process_single(decoder) != 0
            FLAC__stream_decoder_finish(decoder)
            self.frames = []
            guard ok, errors.isEmpty, let end = frameEnds.first else { return nil }
            return end
        }

        private func start(preamble: [UInt8], frames: [UInt8], channels: Int) throws(CodecError) {
            self.preamble = preamble
            self.frames = frames
            self.channels = channels
            position = 0
            samples.removeAll(keepingCapacity: true)
            frameBlockSizes.removeAll(keepingCapacity: true)
            frameEnds.removeAll(keepingCapacity: true)
            errors.removeAll()
            let client = Unmanaged.passUnretained(self).toOpaque()
            let status = FLAC__stream_decoder_init_stream(
                decoder, decoderRead, nil, decoderTell, nil, nil, decoderWrite, nil, decoderError, client)
            guard status == FLAC__STREAM_DECODER_INIT_STATUS_OK else {
                throw CodecError(.library, "libFLAC decoder init failed (status \(status.rawValue))", codec: FLAC.codecID)
            }
        }

        fileprivate var tell: UInt64 { UInt64(position) }

        fileprivate func fill(_ buffer: UnsafeMutablePointer<FLAC__byte>, _ size: UnsafeMutablePointer<Int>) -> FLAC__StreamDecoderReadStatus {
            let total = preamble.count + frames.count
            guard position < total else {
                size.pointee = 0
                return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
            }
            var written = 0
            let wanted = size.pointee
            if position < preamble.count {
                let n = min(wanted, preamble.count - position)
                preamble.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + position, count: n) }
                written = n
                position += n
            }
            if written < wanted, position >= preamble.count {
                let start = position - preamble.count
                let n = min(wanted - written, frames.count - start)
                if n > 0 {
                    frames.withUnsafeBufferPointer { (buffer + written).update(from: $0.baseAddress! + start, count: n) }
                    written += n
                    position += n
                }
            }
            size.pointee = written
            return FLAC__STREAM_DECODER_READ_STATUS_CONTINUE
        }

        fileprivate func accept(_ frame: UnsafePointer<FLAC__Frame>, _ buffer: UnsafePointer<UnsafePointer<FLAC__int32>?>) -> FLAC__StreamDecoderWriteStatus {
            let blockSize = Int(frame.pointee.header.blocksize)
            guard Int(frame.pointee.header.channels) == channels else { return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT }
            frameBlockSizes.append(blockSize)
            var end: UInt64 = 0
            // In the write callback the decode position is the end of the frame just decoded.
            if FLAC__stream_decoder_get_decode_position(decoder, &end) != 0 { frameEnds.append(Int(end) - preamble.count) }
            if channels == 1 {
                // Mono needs no interleaving: one copy of libFLAC's buffer.
                if let source = buffer[0] {
                    samples.append(contentsOf: UnsafeBufferPointer(start: source, count: blockSize))
                } else {
                    samples.append(contentsOf: repeatElement(0, count: blockSize))
                }
                return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
            }
            let base = samples.count
            samples.append(contentsOf: repeatElement(0, count: blockSize * channels))
            samples.withUnsafeMutableBufferPointer { out in
                for channel in 0..<channels {
                    guard let source = buffer[channel] else { continue }
                    var target = base + channel
                    for i in 0..<blockSize {
                        out[target] = source[i]
                        target += channels
                    }
                }
            }
            return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
        }

        fileprivate func report(_ status: FLAC__StreamDecoderErrorStatus) {
            errors.append(String(cString: cflac_decoder_error_string(status)))
        }
    }
}

// libFLAC calls these with the decoder object as client data (passed unretained: the decoder
// outlives every call, which happens inside `decode`).
private let decoderRead: FLAC__StreamDecoderReadCallback = { _, buffer, bytes, client in
    Unmanaged<FLAC.FrameDecoder>.fromOpaque(client!).takeUnretainedValue().fill(buffer!, bytes!)
}

private let decoderTell: FLAC__StreamDecoderTellCallback = { _, offset, client in
    offset!.pointee = Unmanaged<FLAC.FrameDecoder>.fromOpaque(client!).takeUnretainedValue().tell
    return FLAC__STREAM_DECODER_TELL_STATUS_OK
}

private let decoderWrite: FLAC__StreamDecoderWriteCallback = { _, frame, buffer, client in
    Unmanaged<FLAC.FrameDecoder>.fromOpaque(client!).takeUnretainedValue().accept(frame!, buffer!)
}

private let decoderError: FLAC__StreamDecoderErrorCallback = { _, status, client in
    Unmanaged<FLAC.FrameDecoder>.fromOpaque(client!).takeUnretainedValue().report(status)
}
