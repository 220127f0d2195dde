internal import COpus
import CodecCore

extension Opus {
    /// Decodes Opus packets to interleaved float samples with libopus: the plain decoder for
    /// mapping family 0 (1-2 channels), the multistream decoder otherwise. The OpusHead output
    /// gain is applied, as RFC 7845 §5.1 requires of decoders. Owns one libopus decoder, freed
    /// in `deinit`.
    ///
    /// `@unchecked Sendable` because its state (the libopus decoder and the output buffer) is
    /// memory it owns and only one caller uses at a time: a ``DecoderPool`` hands it to one
    /// extraction and takes it back under its lock, so it moves between tasks but is never shared.
    final class PacketDecoder: @unchecked Sendable {
        private enum Handle {
            case single(OpaquePointer)
            case multistream(OpaquePointer)
        }

        private let handle: Handle
        let channelCount: Int
        /// Largest packet output: 120 ms at the decoding rate.
        private let maximumFrames: Int
        private var scratch: [Float]

        init(head: Head, decodeRate: Int) throws(CodecError) {
            var error: Int32 = 0
            channelCount = head.channelCount
            maximumFrames = decodeRate * 120 / 1000
            scratch = [Float](repeating: 0, count: maximumFrames * head.channelCount)
            if head.mappingFamily == 0 {
                guard let decoder = opus_decoder_create(Int32(decodeRate), Int32(head.channelCount), &error), error == OPUS_OK else {
                    throw CodecError(.library, "libopus decoder: \(String(cString: opus_strerror(error)))", codec: Opus.codecID)
                }
                copus_decoder_set_gain(decoder, Int32(head.outputGain))
                handle = .single(decoder)
            } else {
                let decoder = head.channelMapping.withUnsafeBufferPointer { mapping in
                    opus_multistream_decoder_create(
                        Int32(decodeRate), Int32(head.channelCount), Int32(head.streamCount), Int32(head.coupledCount),
                        mapping.baseAddress!, &error)  // one entry per channel, never empty
                }
                guard let decoder, error == OPUS_OK else {
                    throw CodecError(.library, "libopus multistream decoder: \(String(cString: opus_strerror(error)))", codec: Opus.codecID)
                }
                copus_ms_decoder_set_gain(decoder, Int32(head.outputGain))
                handle = .multistream(decoder)
            }
        }

        deinit {
            switch handle {
            case .single(let decoder): opus_decoder_destroy(decoder)
            case .multistream(let decoder): opus_multistream_decoder_destroy(decoder)
            }
        }

        /// Back to the state of a new decoder (OPUS_RESET_STATE keeps the gain).
        func reset() {
            switch handle {
            case .single(let decoder): _ = copus_decoder_reset(decoder)
            case .multistream(let decoder): _ = copus_ms_decoder_reset(decoder)
            }
        }

        /// Decodes one packet; the samples are valid until the next call.
        /// - Throws: ``CodecError/Code/corrupt`` when libopus rejects the packet.
        func decode(_ packet: ArraySlice<UInt8>, at offset: Int64) throws(CodecError) -> ArraySlice<Float> {
            let frames = try scratch.withUnsafeMutableBufferPointer { out throws(CodecError) in try decode(packet, at: offset, into: out) }
            return scratch[0..<frames * channelCount]
        }

        /// Decodes one packet into `output`, which must hold ``maximumSamples``; returns the
        /// frames (samples per channel) written.
        /// - Throws: ``CodecError/Code/corrupt`` when libopus rejects the packet.
        func decode(_ packet: ArraySlice<UInt8>, at offset: Int64, into output: UnsafeMutableBufferPointer<Float>) throws(CodecError) -> Int {
            precondition(output.count >= maximumSamples)
            let frames = packet.withUnsafeBufferPointer { data -> Int32 in
                switch handle {
                case .single(let decoder):
                    return opus_decode_float(decoder, data.baseAddress, Int32(data.count), output.baseAddress!, Int32(maximumFrames), 0)
                case .multistream(let decoder):
                    return opus_multistream_decode_float(decoder, data.baseAddress, Int32(data.count), output.baseAddress!, Int32(maximumFrames), 0)
                }
            }
            guard frames >= 0 else {
                throw CodecError(.corrupt, "libopus cannot decode a packet: \(String(cString: opus_strerror(frames)))", codec: Opus.codecID, byteOffset: offset)
            }
            return Int(frames)
        }

        /// Interleaved samples of the longest packet (120 ms): the room ``decode(_:at:into:)`` needs.
        var maximumSamples: Int { maximumFrames * channelCount }
    }
}
