import ZarrwlrArchive
import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore

/// Microphone arrays keep every channel independent. Opus arrays (3-255 channels) are coded as
/// one mono stream per channel (mapping family 255, no coupling, no LFE), so channel independence
/// is a sharp, deterministic property: each channel of the archive's decode equals, sample for
/// sample, the decode of that channel imported alone as a mono file with the same settings.
/// Nothing here depends on how well libopus codes a tone on a given CPU (that varies with the
/// instruction set); only on libopus coding the same samples the same way twice on one machine.
@Suite struct ArrayChannelTests {
    /// Channel `c`'s tone; channel 7 (the LFE position of a 7.1 layout) gets 12 kHz.
    static func frequency(of channel: Int) -> Double { channel == 7 ? 12_000 : 400 + 1_150 * Double(channel) }
    static let silentChannel = 5

    /// One tone per channel at -12 dBFS (channel 5 digitally silent), 24-bit integers.
    static func arraySamples(channels: Int, rate: Int, seconds: Double) -> [Int32] {
        let frames = Int(Double(rate) * seconds)
        var samples = [Int32](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            for c in 0..<channels where c != silentChannel {
                let value = 0.25 * sin(2 * .pi * frequency(of: c) * Double(i) / Double(rate))
                samples[i * channels + c] = Int32((value * 8_388_607).rounded())
            }
        }
        return samples
    }

    static func writeWAV(_ path: String, _ samples: [Int32], channels: Int, rate: Int) throws {
        let writer = try PCMFileWriter(path: path, container: .wav, sampleRate: rate, channelCount: channels, bitsPerSample: 24)
        try writer.write(PCMBuffer(samples: .int32(samples), channelCount: channels, sampleRate: rate, bitsPerSample: 24))
        try writer.close()
    }

    /// Channel `c` of interleaved `samples`.
    static func channel<T>(_ c: Int, of samples: [T], channels: Int) -> [T] {
        stride(from: c, to: samples.count, by: channels).map { samples[$0] }
    }

    /// The whole recording `file` imported as Opus into `archive`, decoded as float32.
    static func opusDecode(_ file: String, into archive: AudioArchive) async throws -> (id: String, samples: [Float]) {
        guard case .imported(let id, _) = try await archive.importFile(file, codec: CodecID("opus"), allowDuplicate: true) else {
            throw CodecError(.library, "\(file) was not imported")
        }
        let reader = try archive.reader(for: id)
        guard case .float32(let samples) = try reader.extract(0..<reader.totalSamples, as: .float32).samples else {
            throw CodecError(.library, "float32 extraction gave another format")
        }
        return (id, samples)
    }

    @Test(arguments: [8, 16])
    func everyChannelOfAnOpusArrayIsCodedOnItsOwn(_ channels: Int) async throws {
        let folder = TemporaryFolder()
        let rate = 48_000
        let source = Self.arraySamples(channels: channels, rate: rate, seconds: 1)
        let wav = folder.path + "/array\(channels).wav"
        try Self.writeWAV(wav, source, channels: channels, rate: rate)
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        let (id, together) = try await Self.opusDecode(wav, into: archive)
        let facts = try archive.recording(id).attributes[RecordingLayout.attributeKey]
        #expect(facts?["encoding"]?["mapping_family"] == 255)
        #expect(together.count == source.count)
        for c in 0..<channels {
            let mono = folder.path + "/channel\(c).wav"
            try Self.writeWAV(mono, Self.channel(c, of: source, channels: channels), channels: 1, rate: rate)
            let (_, alone) = try await Self.opusDecode(mono, into: archive)
            let ours = Self.channel(c, of: together, channels: channels)
            let differing = zip(ours, alone).filter { $0 != $1 }.count
            #expect(ours.count == alone.count && differing == 0, "channel \(c): \(differing) of \(ours.count) samples differ from the channel coded alone")
        }
    }

    /// A real crosstalk check beside it: a digitally silent channel next to loud tones on every
    /// other channel decodes as silence (Opus codes digital silence as silence).
    @Test func aSilentChannelBesideLoudOnesStaysSilent() async throws {
        let folder = TemporaryFolder()
        let channels = 8, rate = 48_000
        let wav = folder.path + "/array.wav"
        try Self.writeWAV(wav, Self.arraySamples(channels: channels, rate: rate, seconds: 1), channels: channels, rate: rate)
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        let (_, decoded) = try await Self.opusDecode(wav, into: archive)
        let silent = Self.channel(Self.silentChannel, of: decoded, channels: channels)
        let peak = silent.map { abs($0) }.max() ?? 1
        #expect(peak < 1.0 / 32_768, "the silent channel peaks at \(peak)")
        let loud = Self.channel(0, of: decoded, channels: channels).map { abs($0) }.max() ?? 0
        #expect(loud > 0.1, "the tone on channel 0 peaks at \(loud)")
    }
}
