import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecOpus

/// Encoding from PCM: rates are kept or reinterpreted (never resampled), indices stay 1:1 with
/// the source, and the decoded signal lines up with the source (lag 0).
@Suite struct SignalTests {
    /// Writes a 16-bit mono WAV of `body(sample index)` (full scale 1.0), made here rather than by
    /// sox, whose synth does not make ultrasonic tones at high rates.
    static func writeWAV(_ path: String, rate: Int, seconds: Double, _ body: (Int) -> Double) throws {
        let frames = Int(Double(rate) * seconds)
        var data = Data()
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); le(UInt32(36 + 2 * frames)); data.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16)); le(UInt16(1)); le(UInt16(1)); le(UInt32(rate)); le(UInt32(2 * rate)); le(UInt16(2)); le(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); le(UInt32(2 * frames))
        for i in 0..<frames { le(Int16(max(-32768, min(32767, (body(i) * 32767).rounded())))) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Power of `frequency` in `x` (Goertzel), normalised by length.
    static func power(_ x: ArraySlice<Float>, at frequency: Double, rate: Int) -> Double {
        let w = 2 * Double.pi * frequency / Double(rate)
        var s1 = 0.0, s2 = 0.0
        for v in x {
            let s = Double(v) + 2 * cos(w) * s1 - s2
            s2 = s1
            s1 = s
        }
        return (s1 * s1 + s2 * s2 - 2 * cos(w) * s1 * s2) / Double(x.count * x.count)
    }

    @Test func ultrasonicToneComesBackAtItsFrequency() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/bat.wav"
        try Self.writeWAV(wav, rate: 384_000, seconds: 1) { i in 0.5 * sin(2 * Double.pi * 40_000 * Double(i) / 384_000) }
        let (group, report) = try await OpusFixtures.importFile(wav, in: folder)
        #expect(report.sampleRate == 384_000 && report.totalSamples == 384_000)
        let facts = group.attributes["zarrwlr"]
        #expect(facts?["coded_sample_rate"] == 48_000)
        #expect(facts?["sampling_rescale_factor"] == 8.0)
        let reader = try OpusBackend().openOpusRecording(group)
        let decoded = try reader.extract(100_000..<300_000, as: .float32)
        #expect(decoded.sampleRate == 384_000)
        guard case .float32(let samples) = decoded.samples else { Issue.record("not float"); return }
        let tone = Self.power(samples[...], at: 40_000, rate: 384_000)
        for other in [8_000.0, 20_000, 35_000, 45_000, 80_000, 120_000] {
            // A wrong rate factor moves the tone elsewhere entirely; the codec's own noise is more
            // than 20 dB down on every CPU (libopus's float paths differ with the instruction set).
            #expect(tone > 100 * Self.power(samples[...], at: other, rate: 384_000), "energy at \(other) Hz")
        }
        #expect(abs(tone.squareRoot() * 2 - 0.5) < 0.05)  // amplitude 0.5 survives
    }

    @Test(arguments: [8_000, 16_000, 24_000])
    func nativeRatesKeepIndicesOneToOne(_ rate: Int) async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/native.wav"
        // A chirp (200 Hz rising to 1.2 kHz): unlike a steady tone, it matches itself only at lag 0.
        let chirp = { (i: Int) -> Double in
            let t = Double(i) / Double(rate)
            return 0.4 * sin(2 * Double.pi * (200 * t + 250 * t * t))
        }
        try Self.writeWAV(wav, rate: rate, seconds: 2, chirp)
        let (group, report) = try await OpusFixtures.importFile(wav, in: folder)
        #expect(report.sampleRate == rate && report.totalSamples == Int64(2 * rate))
        #expect(group.attributes["zarrwlr"]?["coded_sample_rate"]?.intValue == rate)
        let reader = try OpusBackend().openOpusRecording(group)
        let source = (0..<2 * rate).map { Float((chirp($0) * 32767).rounded() / 32767) }
        let decoded = try reader.extractFloat(0..<reader.totalSamples)
        #expect(Self.bestLag(source, decoded) == 0)
        // Alignment is the sharp property (lag 0); the SNR bound only shows that the chirp
        // survived the codec, with a margin that no CPU's libopus build comes near.
        #expect(Self.snr(source, decoded) > 12)
    }

    @Test(arguments: [64_000, 160_000])
    func snrAndZeroLagAgainstTheSource(_ bitrate: Int) async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/music.wav"
        let tone = { (i: Int) -> Double in
            let t = Double(i) / 48_000
            return 0.3 * sin(2 * .pi * 220 * t) + 0.2 * sin(2 * .pi * 1_320 * t + 0.3) + 0.1 * sin(2 * .pi * 3_300 * t * (1 + t / 6))  // chirp up to ~6.6 kHz, inside Opus's band
        }
        try Self.writeWAV(wav, rate: 48_000, seconds: 3, tone)
        var options = ImportOptions()
        options.set("bitrate", String(bitrate), for: OpusBackend.codecID)
        let (group, _) = try await OpusFixtures.importFile(wav, in: folder, options: options)
        let reader = try OpusBackend().openOpusRecording(group)
        let source = (0..<144_000).map { Float((tone($0) * 32767).rounded() / 32767) }
        let decoded = try reader.extractFloat(0..<reader.totalSamples)
        let snr = Self.snr(source, decoded)
        print("Opus \(bitrate / 1000) kb/s: SNR \(snr) dB against the source, lag \(Self.bestLag(source, decoded))")
        #expect(Self.bestLag(source, decoded) == 0)
        // Measured 30.7-32.5 and 36.5-37.8 dB on two machines; libopus's result depends on the CPU's
        // instruction set, so the bound leaves 10 dB: a misaligned or wrong-channel decode is below 10 dB.
        #expect(snr > 20)
    }

    static func snr(_ reference: [Float], _ signal: [Float]) -> Double {
        let n = min(reference.count, signal.count)
        var p = 0.0, e = 0.0
        for i in 0..<n {
            p += Double(reference[i]) * Double(reference[i])
            e += Double(reference[i] - signal[i]) * Double(reference[i] - signal[i])
        }
        return 10 * log10(p / max(e, 1e-20))
    }

    /// The lag (-200...200) at which `signal` best matches `reference` (cross-correlation peak).
    static func bestLag(_ reference: [Float], _ signal: [Float]) -> Int {
        let n = min(reference.count, signal.count) - 400
        var best = (lag: 0, value: -Double.infinity)
        for lag in -200...200 {
            var sum = 0.0
            for i in 200..<n { sum += Double(reference[i]) * Double(signal[i + lag]) }
            if sum > best.value { best = (lag, sum) }
        }
        return best.lag
    }
}
