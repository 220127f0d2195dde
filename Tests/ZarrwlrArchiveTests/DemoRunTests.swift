import CodecCore
import Foundation
import Testing
import TestSupport
@testable import ZarrwlrArchive

@Suite struct DemoRunTests {
    static let bundled = PythonReference.packageRoot + "/Examples/recordings/20250416_000000.WAV"

    @Test func demoImportsTheBundledRecordingAndExtractsItExactly() async throws {
        let folder = TemporaryFolder()
        let report = try await DemoRun(source: Self.bundled, storeFolder: folder.path + "/a.zarr").run()
        #expect(report.segmentMatchesSource)
        #expect(report.importReport.sampleRate == 384_000)
        #expect(report.importReport.totalSamples == 768_000)
        #expect(report.segment == 192_000..<576_000)
        #expect(report.id == "0")
        #expect(report.startTime == "2025-04-16T00:00:00Z")
        #expect(report.device == "249C600363FA5E80")
        // The recorded checksum is sha256sum's.
        let sha = try ProcessRunner.run("/usr/bin/sha256sum", [Self.bundled]).standardOutput.prefix(64)
        #expect(sha == "313b325e0a700c5f9b8f8617486af2910c2abd8c6890e4c2d18771819e31f1c9")
    }

    @Test func demoReportsAMissingInputAsNoInput() async {
        let folder = TemporaryFolder()
        let error = await #expect(throws: CodecError.self) {
            try await DemoRun(source: folder.path + "/missing.wav", storeFolder: folder.path + "/a.zarr").run()
        }
        #expect(error?.code == .noInput)
    }
}
