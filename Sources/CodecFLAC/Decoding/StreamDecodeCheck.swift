internal import CFLAC
import CodecCore

extension FLAC {
    /// What libFLAC makes of a whole stream when it decodes it from the start, as `flac -d`
    /// does: the frames it writes (where each ends and how many samples it holds), the errors it
    /// reports and whether the MD5 signature matched. This is the truth the archive's index is
    /// held to: a 1:1 copy whose index disagrees is refused, not stored as a different recording.
    public struct StreamDecodeCheck: Sendable {
        /// One frame libFLAC wrote.
        public struct Frame: Sendable, Equatable {
            /// Blob offset just past the frame.
            public let end: Int64
            public let blockSize: Int
        }

        public let frames: [Frame]
        /// Errors libFLAC reported, with how many frames it had written before each.
        public let errors: [(framesBefore: Int, status: String)]
        /// nil when the stream has no MD5 signature (all zero) or no STREAMINFO.
        public let md5Matches: Bool?

        /// Samples libFLAC writes in all.
        public var totalSamples: Int64 { frames.reduce(0) { $0 + Int64($1.blockSize) } }

        /// Errors after the last frame concern bytes that are not audio (an ID3v1 or APEv2 tag,
        /// junk): libFLAC loses sync there. Errors before it mean damaged audio.
        public var errorsInAudio: [(framesBefore: Int, status: String)] { errors.filter { $0.framesBefore < frames.count } }

        /// Decodes all of `blob` with libFLAC, streaming (memory: one read piece and one frame).
        public static func run(over blob: BlobReader, pieceBytes: Int = 1 << 20) throws(CodecError) -> StreamDecodeCheck {
            let session = try StreamDecodeSession(blob: blob, pieceBytes: pieceBytes)
            return try session.run()
        }

        /// Whether `index` lists exactly the frames libFLAC writes, at the same places with the
        /// same samples; otherwise what differs first.
        public func disagreement(with index: FrameIndex) -> String? {
            var sample: Int64 = 0
            for (row, frame) in frames.enumerated() {
                guard row < index.count else {
                    return "libFLAC decodes \(frames.count) frames (\(totalSamples) samples); the index stops after \(index.count) (\(index.totalSamples) samples)"
                }
                let end = index.byteOffsets[row] + index.frameSizes[row]
                guard end == frame.end, index.firstSamples[row] == sample else {
                    return "frame \(row): libFLAC's ends at byte \(frame.end) and starts at sample \(sample), the index's ends at byte \(end) and starts at sample \(index.firstSamples[row])"
                }
                sample += Int64(frame.blockSize)
            }
            if index.count > frames.count {
                return "the index has \(index.count) frames, libFLAC decodes \(frames.count)"
            }
            return sample == index.totalSamples ? nil : "libFLAC decodes \(sample) samples, the index holds \(index.totalSamples)"
        }
    }

    /// One libFLAC decoder reading a blob sequentially for ``StreamDecodeCheck``.
    ///
    /// Owns the libFLAC decoder, freed in `deinit`; not Sendable. libFLAC's callbacks receive this
    /// object unretained: it outlives every call, which all happen inside `run`.
    final class StreamDecodeSession {
        private let decoder: UnsafeMutablePointer<FLAC__StreamDecoder>
        private let blob: BlobReader
        private let pieceBytes: Int
        private var piece: [UInt8] = []
        private var pieceStart: Int64 = 0
        private var position: Int64 = 0
        private var failure: CodecError?
        fileprivate var frames: [StreamDecodeCheck.Frame] = []
        fileprivate var errors: [(framesBefore: Int, status: String)] = []

        init(blob: BlobReader, pieceBytes: Int) throws(CodecError) {
            guard let decoder = FLAC__stream_decoder_new() else {
                throw CodecError(.library, "libFLAC could not allocate a decoder", codec: FLAC.codecID)
            }
            self.decoder = decoder
            self.blob = blob
            self.pieceBytes = max(pieceBytes, 4096)
        }

        deinit {
            FLAC__stream_decoder_delete(decoder)
        }

        func run() throws(CodecError) -> StreamDecodeCheck {
            FLAC__stream_decoder_set_md5_checking(decoder, 1)
            let status = FLAC__stream_decoder_init_stream(
                decoder, checkRead, nil, checkTell, nil, nil, checkWrite, checkMetadata, checkError, Unmanaged.passUnretained(self).toOpaque())
            guard status == FLAC__STREAM_DECODER_INIT_STATUS_OK else {
                throw CodecError(.library, "libFLAC decoder init failed (status \(status.rawValue))", codec: FLAC.codecID)
            }
            _ = FLAC__stream_decoder_process_until_end_of_stream(decoder)
            let md5Checked = hasMD5
            let md5OK = FLAC__stream_decoder_finish(decoder) != 0
            if let failure { throw failure }
            return StreamDecodeCheck(frames: frames, errors: errors, md5Matches: md5Checked ? md5OK : nil)
        }

        fileprivate var hasMD5 = false

        fileprivate func fill(_ buffer: UnsafeMutablePointer<FLAC__byte>, _ size: UnsafeMutablePointer<Int>) -> FLAC__StreamDecoderReadStatus {
            if position >= pieceStart + Int64(piece.count) {
                guard position < blob.length else {
                    size.pointee = 0
                    return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
                }
                do throws(CodecError) {
                    piece = try blob.read(position..<min(blob.length, position + Int64(pieceBytes)))
                } catch {
                    failure = error
                    return FLAC__STREAM_DECODER_READ_STATUS_ABORT
                }
                pieceStart = position
                guard !piece.isEmpty else {
                    size.pointee = 0
                    return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
                }
            }
            let start = Int(position - pieceStart)
            let count = min(size.pointee, piece.count - start)
            piece.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + start, count: count) }
            position += Int64(count)
            size.pointee = count
            return FLAC__STREAM_DECODER_READ_STATUS_CONTINUE
        }

        fileprivate var tell: UInt64 { UInt64(position) }

        fileprivate func wrote(_ frame: UnsafePointer<FLAC__Frame>) {
            var end: UInt64 = 0
            // In the write callback the decode position is the end of the frame just decoded.
            _ = FLAC__stream_decoder_get_decode_position(decoder, &end)
            frames.append(StreamDecodeCheck.Frame(end: Int64(end), blockSize: Int(frame.pointee.header.blocksize)))
        }

        fileprivate func sawStreamInfo(_ md5: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) {
            hasMD5 = withUnsafeBytes(of: md5) { $0.contains { $0 != 0 } }
        }

        fileprivate func report(_ status: FLAC__StreamDecoderErrorStatus) {
            errors.append((frames.count, String(cString: cflac_decoder_error_string(status))))
        }
    }
}

private let checkRead: FLAC__StreamDecoderReadCallback = { _, buffer, bytes, client in
    Unmanaged<FLAC.StreamDecodeSession>.fromOpaque(client!).takeUnretainedValue().fill(buffer!, bytes!)
}

private let checkTell: FLAC__StreamDecoderTellCallback = { _, offset, client in
    offset!.pointee = Unmanaged<FLAC.StreamDecodeSession>.fromOpaque(client!).takeUnretainedValue().tell
    return FLAC__STREAM_DECODER_TELL_STATUS_OK
}

private let checkWrite: FLAC__StreamDecoderWriteCallback = { _, frame, _, client in
    Unmanaged<FLAC.StreamDecodeSession>.fromOpaque(client!).takeUnretainedValue().wrote(frame!)
    return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
}

private let checkMetadata: FLAC__StreamDecoderMetadataCallback = { _, metadata, client in
    guard let metadata, metadata.pointee.type == FLAC__METADATA_TYPE_STREAMINFO else { return }
    Unmanaged<FLAC.StreamDecodeSession>.fromOpaque(client!).takeUnretainedValue().sawStreamInfo(metadata.pointee.data.stream_info.md5sum)
}

private let checkError: FLAC__StreamDecoderErrorCallback = { _, status, client in
    Unmanaged<FLAC.StreamDecodeSession>.fromOpaque(client!).takeUnretainedValue().report(status)
}
