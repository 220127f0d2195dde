import AudioImport
import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore

/// Microphone arrays keep every channel independent: a tone per channel comes back on its own
/// channel at its level, with no crosstalk, a silent channel stays silent, and the 8th channel
/// is not treated as LFE.
@Suite struct ArrayChannelTests {
    /// Channel `c`'s tone; channel 7 (the LFE position of a 7.1 layout) gets 12 kHz.
    static func frequency(of channel: Int) -> Double { channel == 7 ? 12_000 : 400 + 1_150 * Double(channel) }
    static let silentChannel = 5

    /// A 24-bit WAV with one tone per channel at -12 dBFS, channel 5 digitally silent.
    static func writeArray(_ path: String, channels: Int, rate: Int = 48_000, seconds: Double = 2) throws {
        let frames = Int(Double(rate) * seconds)
        var samples = [Int32](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            for c in 0..<channels where c != silentChannel {
                let value = 0.25 * sin(2 * .pi * frequency(of: c) * Double(i) / Double(rate))
                samples[i * channels + c] = Int32((value * 8_388_607).rounded())
            }
        }
        let writer = try PCMFileWriter(path: path, container: .wav, sampleRate: rate, channelCount: channels, bitsPerSample: 24)
        try writer.write(PCMBuffer(samples: .int32(samples), channelCount: channels, sampleRate: rate, bitsPerSample: 24))
    }

    /// Power of `frequency` in channel `channel` (Goertzel), normalised by length.
    static func power(_ x: [Float], channels: Int, channel: Int, at frequency: Double, rate: Int) -> Double {
        let w = 2 * Double.pi * frequency / Double(rate)
        var s1 = 0.0, s2 = 0.0, n = 0
        var i = channel
        while i < x.count {
            let s = Double(x[i]) + 2 * cos(w) * s1 - s2
            s2 = s1
            s1 = s
            i += channels
            n += 1
        }
        return (s1 * s1 + s2 * s2 - 2 * cos(w) * s1 * s2) / Double(n * n)
    }

    @Test(arguments: [8, 16])
    func everyChannelOfAnOpusArrayStaysItself(_ channels: Int) async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/array\(channels).wav"
        try Self.writeArray(wav, channels: channels)
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        guard case .imported(let id, _) = try await archive.importFile(wav, codec: CodecID("opus")) else {
            Issue.record("not imported")
            return
        }
        let facts = try archive.recording(id).attributes[RecordingLayout.attributeKey]
        #expect(facts?["encoding"]?["mapping_family"] == 255)
        let reader = try archive.reader(for: id)
        guard case .float32(let ours) = try reader.extract(0..<reader.totalSamples, as: .float32).samples else { return }
        guard case .float32(let source) = try PCMFileReaderSamples.all(wav) else { return }
        // Skip the first 100 ms (encoder start-up) when measuring.
        let skip = 4_800 * channels
        let measured = Array(ours[skip...]), original = Array(source[skip..<ours.count])
        for c in 0..<channels {
            let ourLevel = ReferenceDecoders.rmsDecibels(measured, channels: channels, channel: c)
            if c == Self.silentChannel {
                print("array \(channels) ch: channel \(c) silent -> \(ourLevel) dBFS")
                #expect(ourLevel < -70)
                continue
            }
            let level = ReferenceDecoders.rmsDecibels(original, channels: channels, channel: c)
            let own = Self.power(measured, channels: channels, channel: c, at: Self.frequency(of: c), rate: 48_000)
            let others = (0..<channels).filter { $0 != c && $0 != Self.silentChannel }
                .map { Self.power(measured, channels: channels, channel: c, at: Self.frequency(of: $0), rate: 48_000) }.max() ?? 0
            let isolation = 10 * log10(own / max(others, 1e-30))
            print("array \(channels) ch: channel \(c) \(Self.frequency(of: c)) Hz level \(ourLevel - level) dB vs source, crosstalk isolation \(isolation) dB")
            #expect(abs(ourLevel - level) < 1.5)
            #expect(isolation > 40)
        }
    }
}

/// Whole-file float reads of a source (test helper).
enum PCMFileReaderSamples {
    static func all(_ path: String) throws -> PCMBuffer.Samples {
        let reader = try PCMFileReader(path: path)
        var all: [Float] = [], block: [Float] = []
        while try reader.readFloat(maxFrames: 1 << 16, into: &block) > 0 { all += block }
        return .float32(all)
    }
}
