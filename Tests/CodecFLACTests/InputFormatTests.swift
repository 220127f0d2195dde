import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// Every container libsndfile reads imports; lossless ones give back the original samples,
/// lossy ones give back libsndfile's decode of them and are marked as decoded from lossy.
@Suite struct InputFormatTests {
    enum Container: String, CaseIterable, Sendable {
        case w64, aiff, rf64, mp3, ogg

        var isLossy: Bool { self == .mp3 || self == .ogg }

        /// Converts `wav` with a reference tool (sox or ffmpeg).
        func make(from wav: String, in folder: TemporaryFolder) throws -> String {
            let path = folder.path + "/converted." + rawValue
            let ffmpeg = ProcessRunner.which("ffmpeg") ?? "/usr/bin/ffmpeg"
            switch self {
            case .w64, .aiff: try ProcessRunner.run(FLACFixtures.sox, [wav, path])
            case .rf64: try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", wav, "-rf64", "always", "-f", "wav", path])
            case .mp3: try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", "160k", path])
            case .ogg: try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", wav, "-c:a", "libvorbis", path])
            }
            return path
        }
    }

    @Test(arguments: Container.allCases)
    func importsAndExtractsExactly(_ container: Container) async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 44_100, bits: 16, channels: 2, seconds: 1)
        let converted = try container.make(from: wav, in: folder)
        let (group, report) = try await FLACFixtures.importFile(converted, in: folder)
        let reader = try FLACBackend().openFLACRecording(group)
        let original = try FLACFixtures.referenceSamples(wav)
        let reference = container.isLossy ? try FLACFixtures.referenceSamples(converted) : original
        if container.isLossy {
            // The lossy decode must be the signal at full scale, not silence or a rescaled copy
            // (a scaling bug is a factor of 2 or more): its best-lag correlation with the original
            // is high and its level within 30 % (the encoders low-pass the test noise above ~16 kHz).
            #expect(Self.bestCorrelation(original, reference) > 0.9, "\(container)")
            let rms = { (x: [Int32]) in (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot() }
            #expect(abs(rms(reference) / rms(original) - 1) < 0.3, "\(container)")
        }
        #expect(try reader.extractNative(0..<reader.totalSamples) == reference)
        #expect(try reader.extractNative(10_000..<20_000) == Array(reference[20_000..<40_000]))
        let encoding = group.attributes["zarrwlr"]?["encoding"]
        #expect(encoding?["decoded_from_lossy"] == .bool(container.isLossy))
        #expect(report.warnings.contains { $0.contains("lossy") } == container.isLossy)
    }

    @Test func theRealRF64Fixture() async throws {
        let folder = TemporaryFolder()
        let path = Fixtures.path("edge_soundevent_rf64_pcm_16.rf64")
        let (group, report) = try await FLACFixtures.importFile(path, in: folder)
        #expect(report.sampleRate == 16_000)
        let reader = try FLACBackend().openFLACRecording(group)
        #expect(try reader.extractNative(0..<reader.totalSamples) == (try FLACFixtures.referenceSamples(path)))
    }

    /// The largest normalised cross-correlation of the left channels over lags up to 3000 samples
    /// (encoders add delay), computed on the middle half of the signal.
    static func bestCorrelation(_ a: [Int32], _ b: [Int32]) -> Double {
        let left = { (x: [Int32]) in stride(from: 0, to: x.count, by: 2).map { Double(x[$0]) } }
        let x = left(a), y = left(b)
        let start = x.count / 4, length = x.count / 2
        var best = 0.0
        for lag in stride(from: 0, through: 3000, by: 1) where start + lag + length <= y.count {
            var dot = 0.0, xx = 0.0, yy = 0.0
            for i in start..<start + length {
                let u = x[i], v = y[i + lag]
                dot += u * v
                xx += u * u
                yy += v * v
            }
            best = max(best, dot / (xx * yy).squareRoot())
        }
        return best
    }
}
