import CodecCore
import Testing
import TestSupport
@testable import CodecFLAC

/// Import from PCM, then every extracted range equals the source as libsndfile decodes it.
@Suite struct BitExactExtractionTests {
    static let formats: [(rate: Int, bits: Int, channels: Int, seconds: Double)] = [
        // Sample rate header codes: table values, kHz (250 kHz), Hz (11025), tens of Hz (384/500 kHz).
        (8_000, 16, 1, 2.0), (11_025, 16, 1, 0.5), (44_100, 16, 2, 1.5), (48_000, 24, 6, 0.7), (96_000, 8, 1, 1.0),
        (250_000, 16, 1, 0.6), (384_000, 24, 2, 0.4), (500_000, 16, 8, 0.3), (44_100, 32, 1, 0.5),
    ]

    @Test(arguments: formats.indices)
    func rangesEqualTheSource(_ i: Int) async throws {
        let f = Self.formats[i]
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: f.rate, bits: f.bits, channels: f.channels, seconds: f.seconds)
        let (group, report) = try await FLACFixtures.importFile(wav, in: folder)
        let reference = try FLACFixtures.referenceSamples(wav)
        #expect(!report.copiedVerbatim)
        #expect(report.sampleRate == f.rate && report.bitsPerSample == f.bits && report.channelCount == f.channels)
        #expect(Int(report.totalSamples) * f.channels == reference.count)
        let reader = try FLACBackend().openFLACRecording(group)
        let total = reader.totalSamples
        let block: Int64 = 4096
        var ranges: [Range<Int64>] = [0..<total, 0..<min(block, total), (total - 1)..<total, 0..<1, 5..<5]
        ranges.append(max(0, total - block - 10)..<total)  // into the last frame
        for edge in stride(from: block, to: total, by: Int(block)) {
            ranges.append((edge - 3)..<min(total, edge + 5))  // across a frame edge
            ranges.append(edge..<min(total, edge + block))   // exactly one frame
        }
        var random = SeededGenerator(state: UInt64(i))
        for _ in 0..<30 {
            let start = Int64.random(in: 0..<total, using: &random)
            ranges.append(start..<Int64.random(in: start...total, using: &random))
        }
        let channels = Int64(f.channels)
        for range in ranges {
            let expected = Array(reference[Int(range.lowerBound * channels)..<Int(range.upperBound * channels)])
            #expect(try reader.extractNative(range) == expected, "range \(range)")
        }
        // The same ranges extracted in parallel come back identical and in order.
        let parallel = try await reader.extract(ranges, as: .int32, workers: 3)
        for (range, buffer) in zip(ranges, parallel) {
            #expect(buffer.samples == .int32(Array(reference[Int(range.lowerBound * channels)..<Int(range.upperBound * channels)])))
            #expect(buffer.frameCount == Int(range.count) && buffer.sampleRate == f.rate)
        }
    }

    /// int16 and float32 follow the documented scaling for shallower, equal and deeper sources
    /// (8-bit values shifted left, 24/32-bit right, floats value / 2^(bits-1)), mono and stereo.
    @Test(arguments: [(8, 1), (16, 2), (24, 2), (24, 1), (32, 1)])
    func sampleFormatsFollowTheDocumentedScaling(_ bits: Int, _ channels: Int) async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: bits, channels: channels, seconds: 0.2)
        let (group, _) = try await FLACFixtures.importFile(wav, in: folder)
        let reader = try FLACBackend().openFLACRecording(group)
        let native = try FLACFixtures.referenceSamples(wav)[(1000 * channels)..<(5200 * channels)]
        let asInt16 = try reader.extract(1000..<5200, as: .int16)
        let asFloat = try reader.extract(1000..<5200, as: .float32)
        let toInt16: (Int32) -> Int16 = bits >= 16 ? { Int16(truncatingIfNeeded: $0 >> (bits - 16)) } : { Int16($0 * (1 << (16 - bits))) }
        #expect(asInt16.samples == .int16(native.map(toInt16)))
        #expect(asFloat.samples == .float32(native.map { Float(Double($0) / Double(Int64(1) << (bits - 1))) }))
        #expect(native.contains { $0 < 0 } && native.contains { $0 > 0 })
    }
}
