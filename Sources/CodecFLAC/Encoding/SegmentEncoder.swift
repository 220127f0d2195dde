internal import CFLAC
import CodecCore

extension FLAC {
    /// The libFLAC settings of a stream.
    struct EncoderSettings: Sendable {
        var sampleRate: Int
        var channelCount: Int
        var bitsPerSample: Int
        var compressionLevel: Int
        var blockSize: Int
        var totalSamplesEstimate: Int64

        /// Refuses what FLAC cannot store, with the reason.
        func validate() throws(CodecError) {
            guard (1...1_048_575).contains(sampleRate) else {
                throw CodecError(.unsupported, "FLAC stores 1 to 1,048,575 Hz, not \(sampleRate) Hz", codec: FLAC.codecID)
            }
            guard (1...8).contains(channelCount) else {
                throw CodecError(.unsupported, "FLAC stores 1 to 8 channels, not \(channelCount)", codec: FLAC.codecID)
            }
            guard (4...32).contains(bitsPerSample) else {
                throw CodecError(.unsupported, "FLAC stores 4 to 32 bits per sample, not \(bitsPerSample)", codec: FLAC.codecID)
            }
            guard (0...8).contains(compressionLevel), (16...65_535).contains(blockSize) else {
                throw CodecError(.invalidArgument, "compression level must be 0...8 and block size 16...65535", codec: FLAC.codecID)
            }
        }

        /// RFC 9639 §7: the streamable subset, kept whenever the parameters allow it: a rate the
        /// frame header can code (libFLAC's own test), a subset sample size, and a block size
        /// within the subset's limit for the rate.
        var isSubset: Bool {
            FLAC__format_sample_rate_is_subset(UInt32(clamping: sampleRate)) != 0
                && [8, 12, 16, 20, 24].contains(bitsPerSample)
                && blockSize <= (sampleRate <= 48_000 ? 4608 : 16_384)
        }
    }

    /// One libFLAC encoder that encodes one segment of a stream (a whole number of blocks, or
    /// the stream's tail) into memory, its frames numbered as in the whole stream: the frames
    /// of one encoder over the whole stream, byte for byte, because libFLAC codes every full
    /// block on its own (the only state between frames is the MD5, which the caller computes).
    ///
    /// Owns its libFLAC encoder, freed in `deinit`; used by one thread at a time.
    final class SegmentEncoder {
        /// The encoded segment.
        struct Output: Sendable {
            /// The stream's metadata blocks ("fLaC" and STREAMINFO first), only from the first
            /// segment; empty otherwise.
            var metadata: [UInt8] = []
            /// The frames, one after another.
            var frames: [UInt8] = []
            /// Bytes and samples of each frame.
            var frameSizes: [Int] = []
            var frameSamples: [Int] = []
        }

        private let encoder: UnsafeMutablePointer<FLAC__StreamEncoder>
        private let firstFrameNumber: Int
        private let bitsPerSample: Int
        private let channelCount: Int
        private var output = Output()
        private var failure: CodecError?

        /// An encoder for the segment whose first frame is `firstFrameNumber` of the stream.
        init(settings: EncoderSettings, firstFrameNumber: Int) throws(CodecError) {
            try settings.validate()
            guard let encoder = FLAC__stream_encoder_new() else {
                throw CodecError(.library, "libFLAC could not allocate an encoder", codec: FLAC.codecID)
            }
            self.encoder = encoder
            self.firstFrameNumber = firstFrameNumber
            bitsPerSample = settings.bitsPerSample
            channelCount = settings.channelCount
            FLAC__stream_encoder_set_channels(encoder, UInt32(settings.channelCount))
            FLAC__stream_encoder_set_bits_per_sample(encoder, UInt32(settings.bitsPerSample))
            FLAC__stream_encoder_set_sample_rate(encoder, UInt32(settings.sampleRate))
            FLAC__stream_encoder_set_compression_level(encoder, UInt32(settings.compressionLevel))
            FLAC__stream_encoder_set_blocksize(encoder, UInt32(settings.blockSize))
            FLAC__stream_encoder_set_streamable_subset(encoder, settings.isSubset ? 1 : 0)
            // The MD5 covers the whole signal, so the caller computes it; STREAMINFO is completed
            // by the caller too (no seek callback: libFLAC leaves it as first written).
            FLAC__stream_encoder_set_do_md5(encoder, 0)
            if settings.totalSamplesEstimate > 0 {
                FLAC__stream_encoder_set_total_samples_estimate(encoder, UInt64(settings.totalSamplesEstimate))
            }
            let status = FLAC__stream_encoder_init_stream(encoder, segmentWrite, nil, nil, nil, Unmanaged.passUnretained(self).toOpaque())
            // No delete here: `deinit` frees the encoder, also when init throws from now on (every
            // stored property is set, so Swift runs deinit).
            guard status == FLAC__STREAM_ENCODER_INIT_STATUS_OK else {
                throw CodecError(.unsupported, "libFLAC refuses these stream parameters (\(settings.sampleRate) Hz, \(settings.channelCount) channels, \(settings.bitsPerSample) bits; init status \(status.rawValue))", codec: FLAC.codecID)
            }
        }

        deinit {
            FLAC__stream_encoder_delete(encoder)
        }

        /// Encodes the segment, taking its samples piece by piece (each freed once coded), and
        /// flushes the last frame. The encoder is spent afterwards.
        func encode(_ samples: SegmentSamples) throws(CodecError) -> Output {
            // FLAC makes the frames smaller than the samples (or hardly larger, when verbatim).
            output.frames.reserveCapacity(samples.uncompressedBytes(bitsPerSample: bitsPerSample))
            while let piece = samples.nextPiece() {
                let frames = piece.count / channelCount
                guard frames > 0 else { continue }
                let ok = piece.withUnsafeBufferPointer { FLAC__stream_encoder_process_interleaved(encoder, $0.baseAddress, UInt32(frames)) }
                try check(ok != 0)
            }
            try check(FLAC__stream_encoder_finish(encoder) != 0)
            return output
        }

        private func check(_ ok: Bool) throws(CodecError) {
            if let failure { throw failure }
            guard ok else {
                let state = FLAC__stream_encoder_get_state(encoder)
                throw CodecError(.library, "libFLAC encoder failed: \(String(cString: cflac_encoder_state_string(state)))", codec: FLAC.codecID)
            }
        }

        /// libFLAC hands over every frame whole, in one write with its sample count; metadata
        /// comes with a count of 0.
        fileprivate func write(_ bytes: UnsafeRawBufferPointer, samples: Int, frameInSegment: Int) -> Bool {
            guard samples > 0 else {
                output.metadata.append(contentsOf: bytes)
                return true
            }
            do throws(CodecError) {
                let start = output.frames.count
                try FrameNumbering.append(bytes, renumberedTo: firstFrameNumber + frameInSegment, to: &output.frames)
                output.frameSizes.append(output.frames.count - start)
                output.frameSamples.append(samples)
            } catch {
                failure = error
                return false
            }
            return true
        }
    }
}

// libFLAC calls this with the encoder object as client data (unretained: the object owns the
// libFLAC encoder, so it is alive during every call).
private let segmentWrite: FLAC__StreamEncoderWriteCallback = { _, buffer, bytes, samples, frame, client in
    Unmanaged<FLAC.SegmentEncoder>.fromOpaque(client!).takeUnretainedValue()
        .write(UnsafeRawBufferPointer(start: buffer, count: bytes), samples: Int(samples), frameInSegment: Int(frame))
        ? FLAC__STREAM_ENCODER_WRITE_STATUS_OK : FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR
}
