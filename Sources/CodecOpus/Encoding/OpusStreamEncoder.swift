internal import COpus
import CodecCore

extension Opus {
    /// Encodes interleaved float PCM into an Ogg Opus stream with libopusenc, written straight
    /// into a blob. The rate given is the coded rate; libopusenc resamples only rates that are
    /// not Opus rates, and callers never pass one (reinterpretation, not resampling).
    ///
    /// The encoder codes CELT only (libopus's restricted low-delay application): CELT keeps the
    /// whole band (SILK stops at 8 kHz, which at a reinterpreted rate is most of an ultrasonic
    /// recording), and CELT decoder state converges within a short pre-roll, so every
    /// extraction equals a continuous decode (``PreRoll``). Unless `prediction` is set, every
    /// frame is intra-coded without the pitch post-filter, and the pre-roll is 80 ms.
    ///
    /// Owns one libopusenc encoder and its comments, freed in `deinit`; not Sendable.
    final class StreamEncoder {
        struct Settings {
            var codedRate: Int
            var channelCount: Int
            /// Bits per second for each channel.
            var bitratePerChannel: Int
            var complexity: Int
            /// Inter-frame prediction of energies and pitch (off: every frame stands alone).
            var prediction: Bool
            var tags: [String: String]
        }

        private var encoder: OpaquePointer?
        private let comments: OpaquePointer
        private let blob: BlobWriter
        private var failure: CodecError?

        /// RFC 7845 §5.1.1: family 0 for mono/stereo; 255 for 3-255 channels, which libopus codes
        /// as one mono stream per channel, in the source's order. Family 1 would treat 3-8
        /// channels as a surround layout (channels coupled in pairs, the 6th or 8th low-passed as
        /// LFE), which breaks the independent microphones of an array.
        static func mappingFamily(channels: Int) -> Int32 {
            channels <= 2 ? 0 : 255
        }

        /// Per-channel bitrates Opus is given (a mono CELT stream gains nothing above 256 kb/s).
        static let bitratesPerChannel = 6_000...256_000

        /// The bitrate of the whole stream: per channel times channels, within the 510 kb/s a
        /// family-0 stream takes.
        static func totalBitrate(perChannel: Int, channels: Int) -> Int {
            channels <= 2 ? min(perChannel * channels, 510_000) : perChannel * channels
        }

        init(into blob: BlobWriter, settings: Settings) throws(CodecError) {
            guard (1...255).contains(settings.channelCount) else {
                throw CodecError(.unsupported, "Opus stores 1 to 255 channels, not \(settings.channelCount)", codec: Opus.codecID)
            }
            guard Self.bitratesPerChannel.contains(settings.bitratePerChannel), (0...10).contains(settings.complexity) else {
                throw CodecError(.invalidArgument, "the Opus bitrate must be 6000...256000 b/s per channel and the complexity 0...10", codec: Opus.codecID)
            }
            guard let comments = ope_comments_create() else { throw CodecError(.library, "libopusenc could not allocate comments", codec: Opus.codecID) }
            self.comments = comments
            self.blob = blob
            for (key, value) in settings.tags.sorted(by: { $0.key < $1.key }) {
                ope_comments_add(comments, key.uppercased(), value)
            }
            var callbacks = OpusEncCallbacks(write: encoderWrite, close: encoderClose)
            var error: Int32 = 0
            encoder = ope_encoder_create_callbacks(
                &callbacks, Unmanaged.passUnretained(self).toOpaque(), comments, Int32(settings.codedRate),
                Int32(settings.channelCount), Self.mappingFamily(channels: settings.channelCount), &error)
            guard let encoder, error == OPE_OK else {
                throw CodecError(.library, "libopusenc: \(String(cString: ope_strerror(error)))", codec: Opus.codecID)
            }
            guard copus_ope_set_application(encoder, OPUS_APPLICATION_RESTRICTED_LOWDELAY) == OPE_OK else {
                throw CodecError(.library, "libopusenc refuses the CELT-only (restricted low-delay) application", codec: Opus.codecID)
            }
            guard copus_ope_set_bitrate(encoder, Int32(Self.totalBitrate(perChannel: settings.bitratePerChannel, channels: settings.channelCount))) == OPE_OK else {
                throw CodecError(.library, "libopusenc refuses \(settings.bitratePerChannel) b/s per channel for \(settings.channelCount) channels", codec: Opus.codecID)
            }
            copus_ope_set_complexity(encoder, Int32(settings.complexity))
            copus_ope_set_vbr(encoder, 1)
            guard copus_ope_set_prediction_disabled(encoder, settings.prediction ? 0 : 1) == OPE_OK else {
                throw CodecError(.library, "libopusenc refuses to set inter-frame prediction", codec: Opus.codecID)
            }
            copus_ope_set_frame_duration(encoder, OPUS_FRAMESIZE_20_MS)
        }

        deinit {
            if let encoder { ope_encoder_destroy(encoder) }
            ope_comments_destroy(comments)
        }

        /// Encodes `frames` frames of interleaved float samples.
        func encode(_ samples: [Float], frames: Int) throws(CodecError) {
            let status = samples.withUnsafeBufferPointer { ope_encoder_write_float(encoder, $0.baseAddress, Int32(frames)) }
            try check(status)
        }

        /// Flushes the last packets and the end-of-stream page.
        func finish() throws(CodecError) {
            try check(ope_encoder_drain(encoder))
        }

        private func check(_ status: Int32) throws(CodecError) {
            if let failure { throw failure }
            guard status == OPE_OK else {
                throw CodecError(.library, "libopusenc: \(String(cString: ope_strerror(status)))", codec: Opus.codecID)
            }
        }

        fileprivate func write(_ bytes: UnsafeRawBufferPointer) -> Int32 {
            do throws(CodecError) { try blob.write(bytes) } catch { failure = error; return 1 }
            return 0
        }
    }
}

// libopusenc calls these with the encoder object as user data (unretained: the object owns the
// libopusenc encoder, so it is alive during every call).
private let encoderWrite: ope_write_func = { user, pointer, length in
    Unmanaged<Opus.StreamEncoder>.fromOpaque(user!).takeUnretainedValue().write(UnsafeRawBufferPointer(start: pointer, count: Int(length)))
}

private let encoderClose: ope_close_func = { _ in 0 }
