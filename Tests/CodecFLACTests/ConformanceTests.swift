import CodecConformance
import CodecCore
import Foundation
import Testing
import TestSupport
import CodecFLAC

/// The FLAC backend passes the public conformance suite, for an encoded WAV and a copied file.
@Suite struct FLACConformanceTests {
    @Test(arguments: ["encoded", "copied"])
    func conforms(_ kind: String) async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: 24, channels: 2, seconds: 1)
        let source = kind == "encoded" ? wav : try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["--blocksize=1152"])
        let reference = ConformanceSuite<FLACBackend>.Reference(samples: .int32(try FLACFixtures.referenceSamples(wav)), format: .int32)
        let failures = try await ConformanceSuite(FLACBackend(), source: source, reference: reference).run()
        #expect(failures.isEmpty, "\(failures)")
    }
}
