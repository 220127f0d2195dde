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
    private func check(_ file: String, in folder: TemporaryFolder, copied: Bool = true) async throws -> Float {
        let (group, report) = try await OpusFixtures.importFile(file, in: folder)
        #expect(report.copiedVerbatim == copied)
        let plain = folder.path + "/blob.opus"
        try OpusFixtures.exportBlob(group, to: plain)
        if copied {
            #expect(try Data(contentsOf: URL(fileURLWithPath: plain)) == (try Data(contentsOf: URL(fileURLWithPath: file))))
        }
        // libopusfile does not implement mapping family 255 (more than 8 channels).
        let (reference, channels) = report.channelCount > 8
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
}
