internal import CFLAC
import CodecCore

extension FLAC {
    /// Encodes interleaved integer PCM with libFLAC straight into a blob. libFLAC seeks back at
    /// the end to complete STREAMINFO (total samples, MD5), which the blob writer patches in place.
    ///
    /// Owns one libFLAC encoder, freed in `deinit`; not Sendable.
    final class StreamEncoder {
        struct Settings {
            var sampleRate: Int
            var channelCount: Int
            var bitsPerSample: Int
            var compressionLevel: Int
            var blockSize: Int
            var totalSamplesEstimate: Int64
        }

        private let encoder: UnsafeMutablePointer<FLAC__StreamEncoder>
        private let blob: BlobWriter
        private var failure: CodecError?
        /// Where libFLAC wrote each frame: it hands over every frame whole, in one write with
        /// its sample count (metadata comes with a count of 0).
        private(set) var frames = EncodedFrames()

        init(into blob: BlobWriter, settings: Settings) throws(CodecError) {
            // RFC 9639 §7: the streamable subset, kept whenever the parameters allow it: a rate
            // the frame header can code (libFLAC's own test), a subset sample size, and a block
            // size within the subset's limit for the rate.
            let subset = FLAC__format_sample_rate_is_subset(UInt32(clamping: settings.sampleRate)) != 0
                && [8, 12, 16, 20, 24].contains(settings.bitsPerSample)
                && settings.blockSize <= (settings.sampleRate <= 48_000 ? 4608 : 16_384)
            guard (1...1_048_575).contains(settings.sampleRate) else {
                throw CodecError(.unsupported, "FLAC stores 1 to 1,048,575 Hz, not \(settings.sampleRate) Hz", codec: FLAC.codecID)
            }
            guard (1...8).contains(settings.channelCount) else {
                throw CodecError(.unsupported, "FLAC stores 1 to 8 channels, not \(settings.channelCount)", codec: FLAC.codecID)
            }
            guard (4...32).contains(settings.bitsPerSample) else {
                throw CodecError(.unsupported, "FLAC stores 4 to 32 bits per sample, not \(settings.bitsPerSample)", codec: FLAC.codecID)
            }
            guard (0...8).contains(settings.compressionLevel), (16...65_535).contains(settings.blockSize) else {
                throw CodecError(.invalidArgument, "compression level must be 0...8 and block size 16...65535", codec: FLAC.codecID)
            }
            guard let encoder = FLAC__stream_encoder_new() else {
                throw CodecError(.library, "libFLAC could not allocate an encoder", codec: FLAC.codecID)
            }
            self.encoder = encoder
            self.blob = blob
            FLAC__stream_encoder_set_channels(encoder, UInt32(settings.channelCount))
            FLAC__stream_encoder_set_bits_per_sample(encoder, UInt32(settings.bitsPerSample))
            FLAC__stream_encoder_set_sample_rate(encoder, UInt32(settings.sampleRate))
            FLAC__stream_encoder_set_compression_level(encoder, UInt32(settings.compressionLevel))
            FLAC__stream_encoder_set_blocksize(encoder, UInt32(settings.blockSize))
            FLAC__stream_encoder_set_streamable_subset(encoder, subset ? 1 : 0)
            if settings.totalSamplesEstimate > 0 {
                FLAC__stream_encoder_set_total_samples_estimate(encoder, UInt64(settings.totalSamplesEstimate))
            }
            let status = FLAC__stream_encoder_init_stream(
                encoder, encoderWrite, encoderSeek, encoderTell, nil, Unmanaged.passUnretained(self).toOpaque())
            // No delete here: `deinit` frees the encoder, also when init throws from now on (every
            // stored property is set, so Swift runs deinit).
            guard status == FLAC__STREAM_ENCODER_INIT_STATUS_OK else {
                throw CodecError(.unsupported, "libFLAC refuses these stream parameters (\(settings.sampleRate) Hz, \(settings.channelCount) channels, \(settings.bitsPerSample) bits; init status \(status.rawValue))", codec: FLAC.codecID)
            }
        }

        deinit {
            FLAC__stream_encoder_delete(encoder)
        }

        /// Encodes `frames` frames of interleaved native samples.
        func encode(_ samples: [Int32], frames: Int) throws(CodecError) {
            let ok = samples.withUnsafeBufferPointer { FLAC__stream_encoder_process_interleaved(encoder, $0.baseAddress, UInt32(frames)) }
            try check(ok != 0)
        }

        /// Flushes the last frame and completes STREAMINFO.
        func finish() throws(CodecError) {
            try check(FLAC__stream_encoder_finish(encoder) != 0)
        }

        private func check(_ ok: Bool) throws(CodecError) {
            if let failure { throw failure }
            guard ok else {
                let state = FLAC__stream_encoder_get_state(encoder)
                throw CodecError(.library, "libFLAC encoder failed: \(String(cString: cflac_encoder_state_string(state)))", codec: FLAC.codecID)
            }
        }

        fileprivate func write(_ bytes: UnsafeRawBufferPointer, samples: Int) -> Bool {
            if samples > 0 { frames.add(at: blob.position, bytes: bytes.count, samples: samples) }
            do throws(CodecError) { try blob.write(bytes) } catch { failure = error; return false }
            return true
        }

        fileprivate func seek(_ offset: UInt64) -> Bool {
            do throws(CodecError) { try blob.seek(to: Int64(offset)) } catch { failure = error; return false }
            return true
        }

        fileprivate var position: UInt64 { UInt64(blob.position) }
    }
}

// libFLAC calls these with the encoder object as client data (unretained: the object owns the
// libFLAC encoder, so it is alive during every call).
private let encoderWrite: FLAC__StreamEncoderWriteCallback = { _, buffer, bytes, samples, _, client in
    let encoder = Unmanaged<FLAC.StreamEncoder>.fromOpaque(client!).takeUnretainedValue()
    return encoder.write(UnsafeRawBufferPointer(start: buffer, count: bytes), samples: Int(samples))
        ? FLAC__STREAM_ENCODER_WRITE_STATUS_OK : FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR
}

private let encoderSeek: FLAC__StreamEncoderSeekCallback = { _, offset, client in
    Unmanaged<FLAC.StreamEncoder>.fromOpaque(client!).takeUnretainedValue().seek(offset)
        ? FLAC__STREAM_ENCODER_SEEK_STATUS_OK : FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR
}

private let encoderTell: FLAC__StreamEncoderTellCallback = { _, offset, client in
    offset!.pointee = Unmanaged<FLAC.StreamEncoder>.fromOpaque(client!).takeUnretainedValue().position
    return FLAC__STREAM_ENCODER_TELL_STATUS_OK
}
