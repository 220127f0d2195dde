import COpus
import Foundation
import Testing
import TestSupport
@testable import CodecOpus

/// Packet framing and coding modes against libopus: its encoder makes the packets, its parser
/// and padding functions say where frames and streams lie.
@Suite struct PacketFramingTests {
    /// Packets from libopus's multistream encoder (`streams` streams, the first `coupled` of
    /// them stereo) for two seconds of a chirp with noise.
    private func encode(streams: Int, coupled: Int, application: Int32, bitrate: Int32, bandwidth: Int32 = OPUS_AUTO,
                        frameSize: Int = 960, predictionDisabled: Bool = false,
                        signal: (Double) -> Float = { t in Float(0.4 * sin(2 * .pi * (200 + 2000 * t) * t)) }) throws -> [[UInt8]] {
        let channels = streams + coupled
        var mapping = (0..<channels).map { UInt8($0) }
        var error: Int32 = 0
        let encoder = try #require(mapping.withUnsafeMutableBufferPointer {
            opus_multistream_encoder_create(48_000, Int32(channels), Int32(streams), Int32(coupled), $0.baseAddress!, application, &error)
        })
        defer { opus_multistream_encoder_destroy(encoder) }
        try #require(error == OPUS_OK)
        _ = copus_ms_encoder_set_bitrate(encoder, bitrate)
        _ = copus_ms_encoder_set_bandwidth(encoder, bandwidth)
        _ = copus_ms_encoder_set_prediction_disabled(encoder, predictionDisabled ? 1 : 0)
        var random = SeededGenerator(state: 42)
        var packets: [[UInt8]] = []
        var output = [UInt8](repeating: 0, count: 8000)
        for block in 0..<(96_000 / frameSize) {
            let pcm = (0..<frameSize * channels).map { i -> Float in
                let t = Double(block * frameSize + i / channels) / 48_000
                return signal(t) + Float.random(in: -0.05...0.05, using: &random)
            }
            let length = output.withUnsafeMutableBufferPointer { out in
                opus_multistream_encode_float(encoder, pcm, Int32(frameSize), out.baseAddress!, Int32(out.count))
            }
            try #require(length > 0)
            packets.append(Array(output[0..<Int(length)]))
        }
        return packets
    }

    private func isCELTOnly(_ packet: ArraySlice<UInt8>, streamCount: Int) -> Bool {
        Opus.celtFrameHeaders(packet, streamCount: streamCount) != nil
    }

    private func isIndependentCELT(_ packet: ArraySlice<UInt8>, streamCount: Int) -> Bool {
        Opus.celtFrameHeaders(packet, streamCount: streamCount)?.allSatisfy { $0.allSatisfy(\.isIndependent) } ?? false
    }

    /// Frame sizes libopus's own parser finds in a plain packet.
    private func libopusFrameLengths(_ packet: [UInt8]) -> [Int]? {
        var toc: UInt8 = 0
        var frames = [UnsafePointer<UInt8>?](repeating: nil, count: 48)
        var sizes = [Int16](repeating: 0, count: 48)
        var payloadOffset: Int32 = 0
        let count = opus_packet_parse(packet, Int32(packet.count), &toc, &frames, &sizes, &payloadOffset)
        return count < 0 ? nil : sizes.prefix(Int(count)).map(Int.init)
    }

    @Test(arguments: [
        (OPUS_APPLICATION_RESTRICTED_LOWDELAY, Int32(64_000), 960), (OPUS_APPLICATION_RESTRICTED_LOWDELAY, 160_000, 2880),
        (OPUS_APPLICATION_RESTRICTED_LOWDELAY, 96_000, 120), (OPUS_APPLICATION_VOIP, 10_000, 960), (OPUS_APPLICATION_VOIP, 24_000, 1920),
        (OPUS_APPLICATION_AUDIO, 510_000, 960),
    ])
    func plainPacketsMatchLibopusParser(_ application: Int32, _ bitrate: Int32, _ frameSize: Int) throws {
        for packet in try encode(streams: 1, coupled: 0, application: application, bitrate: bitrate, frameSize: frameSize) {
            var padded = packet + [UInt8](repeating: 0, count: 300)
            try #require(opus_packet_pad(&padded, Int32(packet.count), Int32(padded.count)) == OPUS_OK)
            for bytes in [packet, padded] {
                let framing = try #require(Opus.PacketFraming(bytes[...], selfDelimited: false))
                #expect(framing.frameLengths == libopusFrameLengths(bytes))
                #expect(framing.size == bytes.count)
            }
        }
    }

    @Test func modesFollowTheEncodersChoice() throws {
        let celt = try encode(streams: 1, coupled: 0, application: OPUS_APPLICATION_RESTRICTED_LOWDELAY, bitrate: 64_000)
        #expect(celt.allSatisfy { Opus.PacketFraming($0[...], selfDelimited: false)?.mode == .celt })
        #expect(celt.allSatisfy { isCELTOnly($0[...], streamCount: 1) })
        // libopus codes narrowband speech-rate VoIP with SILK, super-wideband at 24 kb/s as hybrid.
        let silk = try encode(streams: 1, coupled: 0, application: OPUS_APPLICATION_VOIP, bitrate: 10_000, bandwidth: OPUS_BANDWIDTH_NARROWBAND)
        #expect(silk.allSatisfy { Opus.PacketFraming($0[...], selfDelimited: false)?.mode == .silk })
        let hybrid = try encode(streams: 1, coupled: 0, application: OPUS_APPLICATION_VOIP, bitrate: 24_000, bandwidth: OPUS_BANDWIDTH_SUPERWIDEBAND)
        #expect(hybrid.contains { Opus.PacketFraming($0[...], selfDelimited: false)?.mode == .hybrid })
        #expect(!(silk + hybrid).contains { isCELTOnly($0[...], streamCount: 1) })
    }

    @Test(arguments: [OPUS_APPLICATION_RESTRICTED_LOWDELAY, OPUS_APPLICATION_VOIP])
    func multistreamPacketsSplitIntoTheirStreams(_ application: Int32) throws {
        let (streams, coupled) = (4, 2)
        let packets = try encode(streams: streams, coupled: coupled, application: application, bitrate: application == OPUS_APPLICATION_VOIP ? 40_000 : 256_000)
        for packet in packets {
            // libopus pads only the last stream: the others must keep their sizes.
            var padded = packet + [UInt8](repeating: 0, count: 500)
            try #require(opus_multistream_packet_pad(&padded, Int32(packet.count), Int32(padded.count), Int32(streams)) == OPUS_OK)
            var sizes: [[Int]] = []
            for bytes in [packet, padded] {
                var rest = bytes[...]
                var streamSizes: [Int] = []
                for stream in 0..<streams {
                    let framing = try #require(Opus.PacketFraming(rest, selfDelimited: stream < streams - 1))
                    streamSizes.append(framing.size)
                    rest = rest.dropFirst(framing.size)
                }
                #expect(rest.isEmpty, "the streams must end where the packet ends")
                sizes.append(streamSizes)
            }
            #expect(sizes[0].dropLast() == sizes[1].dropLast())
            #expect(sizes[1].last! == sizes[0].last! + 500)
            #expect(isCELTOnly(packet[...], streamCount: streams) == (application == OPUS_APPLICATION_RESTRICTED_LOWDELAY))
        }
    }

    @Test func damagedOrConcealedPacketsAreNotCELTOnly() throws {
        let packet = try #require(try encode(streams: 2, coupled: 0, application: OPUS_APPLICATION_RESTRICTED_LOWDELAY, bitrate: 96_000).first)
        #expect(isCELTOnly(packet[...], streamCount: 2))
        for cut in [0, 1, 2, packet.count / 2] {
            #expect(!isCELTOnly(packet.prefix(cut), streamCount: 2), "cut at \(cut) bytes")
        }
        #expect(!isCELTOnly([packet[0]][...], streamCount: 1), "a TOC byte alone is packet loss concealment")
        var random = SeededGenerator(state: 7)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = isCELTOnly(bytes[...], streamCount: Int.random(in: 1...4, using: &random))
        }
    }

    /// A 110 Hz sawtooth: libopus turns the pitch post-filter on for it.
    private static func sawtooth(_ t: Double) -> Float { Float(0.8 * (2 * (t * 110).truncatingRemainder(dividingBy: 1) - 1)) }

    @Test func celtHeadersMatchLibopusDecoder() throws {
        var error: Int32 = 0
        let decoder = try #require(opus_decoder_create(48_000, 1, &error))
        defer { opus_decoder_destroy(decoder) }
        var output = [Float](repeating: 0, count: 5760)
        var postFiltered = 0, intra = 0
        let packets = try encode(streams: 1, coupled: 0, application: OPUS_APPLICATION_RESTRICTED_LOWDELAY, bitrate: 64_000, signal: Self.sawtooth)
        for packet in packets {
            let framing = try #require(Opus.PacketFraming(packet[...], selfDelimited: false))
            let header = Opus.CELTFrameHeader(try #require(Opus.frames(of: packet[...], framing).first), lm: framing.celtFrameSizeLog)
            _ = opus_decode_float(decoder, packet, Int32(packet.count), &output, 5760, 0)
            var pitch: Int32 = -1
            _ = copus_decoder_get_pitch(decoder, &pitch)
            #expect(header.postFilterPeriod == Int(pitch), "libopus decoded post-filter period \(pitch)")
            if header.postFilterPeriod > 0 { postFiltered += 1 }
            if header.intra { intra += 1 }
        }
        #expect(postFiltered > packets.count / 2, "the sawtooth should use the post-filter (\(postFiltered) of \(packets.count))")
        #expect(intra < packets.count / 10, "with prediction, intra frames are rare (\(intra) of \(packets.count))")
    }

    @Test(arguments: [(1, 0), (3, 1)])
    func predictionDisabledMakesEveryFrameIndependent(_ streams: Int, _ coupled: Int) throws {
        for frameSize in [120, 960, 2880] {
            let independent = try encode(streams: streams, coupled: coupled, application: OPUS_APPLICATION_RESTRICTED_LOWDELAY, bitrate: 96_000,
                                         frameSize: frameSize, predictionDisabled: true, signal: Self.sawtooth)
            #expect(independent.allSatisfy { isIndependentCELT($0[...], streamCount: streams) }, "frame size \(frameSize)")
            let predicted = try encode(streams: streams, coupled: coupled, application: OPUS_APPLICATION_RESTRICTED_LOWDELAY, bitrate: 96_000,
                                       frameSize: frameSize, signal: Self.sawtooth)
            // With prediction most frames lean on the previous one (2.5 ms frames skip the post-filter more often).
            #expect(predicted.filter { isIndependentCELT($0[...], streamCount: streams) }.count < predicted.count / 4, "frame size \(frameSize)")
        }
    }
}
