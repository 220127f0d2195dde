import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecOpus

/// Extraction must equal libopusfile's continuous decode: same length, zero lag, within one
/// 16-bit LSB, for every page layout the reference encoders produce.
@Suite struct AlignmentTests {
    /// The largest difference between extracted ranges and the continuous decode.
    private func check(_ file: String, in folder: TemporaryFolder, copied: Bool = true, options: ImportOptions = ImportOptions()) async throws -> Float {
        let (group, report) = try await OpusFixtures.importFile(file, in: folder, options: options)
        #expect(report.copiedVerbatim == copied)
        let plain = folder.path + "/blob.opus"
        try OpusFixtures.exportBlob(group, to: plain)
        if copied {
            #expect(try Data(contentsOf: URL(fileURLWithPath: plain)) == (try Data(contentsOf: URL(fileURLWithPath: file))))
        }
        // libopusfile does not implement mapping family 255 (our imports of 3+ channels, or more than 8).
        let family = try OpusBackend().openOpusRecording(group).head.mappingFamily
        let (reference, channels) = family == 255
            ? try OpusFixtures.continuousDecodeWithLibogg(plain) : try OpusFixtures.continuousDecode(plain)
        let reader = try OpusBackend().openOpusRecording(group)
        #expect(reader.channelCount == channels)
        try #require(Int(reader.totalSamples) * channels == reference.count, "\(file): length differs from libopusfile")
        let total = reader.totalSamples
        var ranges: [Range<Int64>] = [0..<total, 0..<400, 300..<330, (total - 1000)..<total, (total - 1)..<total]
        for row in reader.rows.dropFirst().prefix(40) where row.firstSample > 2 && row.firstSample + 3 < total {
            ranges.append((row.firstSample - 2)..<(row.firstSample + 3))  // across page starts
        }
        var random = SeededGenerator(state: UInt64(total))
        for _ in 0..<25 {
            let start = Int64.random(in: 0..<total, using: &random)
            ranges.append(start..<min(total, start + Int64.random(in: 1...48_000, using: &random)))
        }
        var worst: Float = 0
        for range in ranges {
            let extracted = try reader.extractFloat(range)
            let expected = reference[Int(range.lowerBound) * channels..<Int(range.upperBound) * channels]
            #expect(extracted.count == expected.count)
            for (a, b) in zip(extracted, expected) { worst = max(worst, abs(a - b)) }
        }
        #expect(worst <= 1.0 / 32768, "\(file): largest difference \(worst * 32768) LSB")
        // In runs (one decode handed out a run at a time): bit for bit one extraction's samples.
        for (range, runFrames) in [(0..<total, 4_813), (ranges[3], 7), (ranges[3], 997), (ranges[2], 1)] {
            var joined: [Float] = [], sizes: [Int] = []
            try reader.extractFloat(range, runFrames: runFrames) { run in
                joined += run
                sizes.append(run.count / channels)
            }
            #expect(joined == (try reader.extractFloat(range)), "\(file): \(range) in runs of \(runFrames)")
            #expect(sizes.dropLast().allSatisfy { $0 == runFrames } && (sizes.last ?? 0) <= runFrames && sizes.reduce(0, +) == range.count)
        }
        return worst
    }

    @Test func realFixture() async throws {
        _ = try await check(Fixtures.path("birds_10s_48k.opus"), in: TemporaryFolder())
    }

    @Test(arguments: ["2.5", "10", "20", "60"], ["0", "1000"])
    func opusencFrameSizesAndPageDelays(_ frameSize: String, _ maxDelay: String) async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: 2, seconds: 4)
        let file = try OpusFixtures.opusenc(wav, in: folder, arguments: ["--framesize", frameSize, "--max-delay", maxDelay, "--bitrate", "96"])
        _ = try await check(file, in: folder)
    }

    @Test(arguments: [1, 6, 8, 10])
    func channelLayouts(_ channels: Int) async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: channels, seconds: 3)
        let file = try OpusFixtures.opusenc(wav, in: folder, arguments: [])
        _ = try await check(file, in: folder)
    }

    @Test func ffmpegMuxer() async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: 2, seconds: 4)
        _ = try await check(try OpusFixtures.ffmpegOpus(wav, in: folder), in: folder)
    }

    @Test(arguments: [1, 2, 6, 12])
    func encodedFromPCM(_ channels: Int) async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: channels, seconds: 3)
        _ = try await check(wav, in: folder, copied: false)
    }

    @Test(arguments: [1, 6])
    func encodedWithPrediction(_ channels: Int) async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: channels, seconds: 8)
        var options = ImportOptions()
        options.set("prediction", "true", for: OpusBackend.codecID)
        _ = try await check(wav, in: folder, copied: false, options: options)
    }

    /// A stereo 20-20000 Hz sweep at 24 kb/s: libopus 1.3 codes it with SILK up to ~5 s, CELT-only
    /// to ~10.5 s, hybrid to ~12 s and CELT-only after.
    private func mixedModeStream(in folder: TemporaryFolder, seconds: Int) throws -> String {
        let wav = folder.path + "/sweep.wav"
        try ProcessRunner.run(OpusFixtures.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "2", wav, "synth", String(seconds), "sine", "20-20000", "vol", "0.98"])
        return try OpusFixtures.opusenc(wav, in: folder, arguments: ["--bitrate", "24"])
    }

    @Test func mixedModesAreExactFromTheLastModeSwitch() async throws {
        let folder = TemporaryFolder()
        let file = try mixedModeStream(in: folder, seconds: 20)
        _ = try await check(file, in: folder)
        // Ranges after hybrid packets start from a mode switch (not from the stream start).
        let storeFolder = TemporaryFolder()
        let reader = try OpusBackend().openOpusRecording(try await OpusFixtures.importFile(file, in: storeFolder).0)
        let reference = try OpusFixtures.continuousDecode(file).samples
        var switches = 0
        for start in stride(from: Int64(10 * 48_000), to: 13 * 48_000, by: 2_400) {
            guard try reader.preRollChoice(before: start).reason == .modeSwitch else { continue }
            switches += 1
            let extracted = try reader.extractFloat(start..<start + 2_400)
            let expected = reference[Int(start) * 2..<Int(start + 2_400) * 2]
            #expect(zip(extracted, expected).allSatisfy { abs($0 - $1) <= 1.0 / 32768 }, "range from \(start)")
        }
        #expect(switches > 10, "the sweep should make SILK windows that end in a mode switch (\(switches))")
    }

    @Test func preRollFollowsTheCodingMode() async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: 1, seconds: 9)
        let celt = try OpusFixtures.opusenc(wav, in: folder, arguments: ["--bitrate", "96"])
        let stores = (TemporaryFolder(), TemporaryFolder(), TemporaryFolder(), TemporaryFolder())
        let celtReader = try OpusBackend().openOpusRecording(try await OpusFixtures.importFile(celt, in: stores.0).0)
        #expect(try celtReader.preRollChoice(before: 7 * 48_000).reason == .celtOnly)
        // Our import codes independent frames: the shortest pre-roll.
        let ours = try OpusBackend().openOpusRecording(try await OpusFixtures.importFile(wav, in: stores.3).0)
        #expect(try ours.preRollChoice(before: 7 * 48_000).reason == .independentFrames)
        // The bird fixture is hybrid throughout: no mode switch but the stream start; restart
        // points measured at import let ranges start later than that, exactly.
        let hybrid = try OpusBackend().openOpusRecording(try await OpusFixtures.importFile(Fixtures.path("birds_10s_48k.opus"), in: stores.1).0)
        #expect(hybrid.restartPoints.count > 2)
        #expect(try hybrid.preRollChoice(before: 8 * 48_000).reason == .restartPoint)
        #expect(try hybrid.preRollChoice(before: 8 * 48_000).samples < 8 * 48_000)
        let fixed = try OpusBackend().openOpusRecording(try await OpusFixtures.importFile(celt, in: stores.2).0, preRollSeconds: 0.2)
        #expect(try fixed.preRollChoice(before: 7 * 48_000) == .init(samples: 9_600, reason: .fixed))
    }

    /// A voiced signal (three harmonics with a slow vibrato, as a call or a vowel): the case in
    /// which SILK's long-term prediction keeps a decoder started mid-stream off for seconds.
    private func voiced(in folder: TemporaryFolder, seconds: Int = 14) throws -> String {
        let wav = folder.path + "/voiced.wav"
        try SignalTests.writeWAV(wav, rate: 48_000, seconds: Double(seconds)) { i in
            let t = Double(i) / 48_000
            let phase = 2 * Double.pi * (300 * t + 4 * sin(2 * Double.pi * 0.7 * t))
            return 0.25 * sin(phase) + 0.15 * sin(2 * phase) + 0.1 * sin(3 * phase)
        }
        return wav
    }

    /// SILK, hybrid and CELT streams from opusenc at 8-64 kb/s: every range within one LSB of
    /// libopusfile's continuous decode, far from any mode switch too (restart points).
    @Test(arguments: [8, 12, 20, 32, 64])
    func silkHybridAndCELTStreamsAreExact(_ kbps: Int) async throws {
        let folder = TemporaryFolder()
        let file = try OpusFixtures.opusenc(try voiced(in: folder), in: folder, arguments: ["--bitrate", String(kbps), "--speech"])
        let worst = try await check(file, in: folder)
        let storeFolder = TemporaryFolder()
        let reader = try OpusBackend().openOpusRecording(try await OpusFixtures.importFile(file, in: storeFolder).0)
        let choices = try (2...12).map { try reader.preRollChoice(before: Int64($0) * 48_000) }
        print("voiced \(kbps) kb/s: worst \(worst * 32768) LSB, \(reader.restartPoints.count) restart points, pre-rolls \(choices.map { "\($0.reason):\($0.samples)" })")
        #expect(!choices.contains { $0.reason == .fixed })
    }

    /// Far from a mode switch, a voiced SILK stream restarts at a measured restart point and
    /// matches the continuous decode (a fixed 1 s pre-roll left it 68-81 LSB off).
    @Test func silkFarFromASwitchIsExactFromARestartPoint() async throws {
        let folder = TemporaryFolder()
        let file = try OpusFixtures.opusenc(try voiced(in: folder), in: folder, arguments: ["--bitrate", "20", "--speech"])
        let storeFolder = TemporaryFolder()
        let reader = try OpusBackend().openOpusRecording(try await OpusFixtures.importFile(file, in: storeFolder).0)
        let reference = try OpusFixtures.continuousDecode(file).samples
        var worst: Float = 0
        for start in stride(from: Int64(7 * 48_000), to: 13 * 48_000, by: 9_600) {
            let choice = try reader.preRollChoice(before: start)
            #expect(choice.reason == .restartPoint || choice.reason == .streamStart, "\(choice)")
            let extracted = try reader.extractFloat(start..<start + 4_800)
            let expected = reference[Int(start)..<Int(start) + 4_800]
            try #require(extracted.count == expected.count)
            worst = max(worst, zip(extracted, expected).map { abs($0 - $1) }.max()!)
        }
        print("voiced SILK 20 kb/s from restart points: largest difference \(worst * 32768) LSB")
        #expect(worst <= 1.0 / 32768, "\(worst * 32768) LSB")
    }
}
