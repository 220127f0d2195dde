import CodecConformance
import CodecCore
import Foundation
import Testing
import TestSupport
import CodecOpus

/// The Opus backend passes the public conformance suite against libopusfile's continuous decode
/// (within one 16-bit LSB).
@Suite struct OpusConformanceTests {
    @Test func conforms() async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: 2, seconds: 2)
        let file = try OpusFixtures.opusenc(wav, in: folder, arguments: ["--bitrate", "96"])
        let reference = ConformanceSuite<OpusBackend>.Reference(
            samples: .float32(try OpusFixtures.continuousDecode(file).samples), format: .float32, tolerance: 1.0 / 32768)
        let failures = try await ConformanceSuite(OpusBackend(), source: file, reference: reference).run()
        #expect(failures.isEmpty, "\(failures)")
    }
}
