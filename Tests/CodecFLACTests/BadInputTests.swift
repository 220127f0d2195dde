import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// Bad input gets a typed error that names the file and the problem.
@Suite struct BadInputTests {
    private func importError(_ path: String) async -> CodecError? {
        let folder = TemporaryFolder()
        return await #expect(throws: CodecError.self) { try await FLACFixtures.importFile(path, in: folder) }
    }

    @Test func floatSourcesAreRefusedWithAlternatives() async {
        let path = Fixtures.path("edge_scipy_test-44100Hz-2ch-32bit-float-be.wav")
        let error = await importError(path)
        #expect(error?.code == .unsupported)
        #expect(error?.file == path)
        #expect(error?.description.contains("integers only") == true)
        #expect(error?.description.contains("Opus") == true)
    }

    @Test func brokenEmptyAndMissingFiles() async throws {
        let broken = await importError(Fixtures.path("edge_scipy_test-44100Hz-le-1ch-4bytes-incomplete-chunk.wav"))
        #expect(broken?.code == .unrecognized)
        #expect(broken?.file?.hasSuffix("incomplete-chunk.wav") == true)

        let folder = TemporaryFolder()
        let empty = folder.path + "/empty.wav"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let emptyError = await importError(empty)
        #expect(emptyError?.code == .unrecognized)
        #expect(emptyError?.description.contains("empty") == true)

        let missing = await importError(folder.path + "/nope.wav")
        #expect(missing?.code == .noInput)
    }

    @Test func rangesOutsideTheRecordingAndEmptyRanges() async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 16_000, bits: 16, channels: 2, seconds: 0.5)
        let (group, _) = try await FLACFixtures.importFile(wav, in: folder)
        let reader = try FLACBackend().openFLACRecording(group)
        for range: Range<Int64> in [-1..<10, 7_990..<8_001, 9_000..<9_500] {
            let error = #expect(throws: CodecError.self) { try reader.extract(range, as: .int16) }
            #expect(error?.code == .invalidArgument)
        }
        let empty = try reader.extract(100..<100, as: .float32)
        #expect(empty.frameCount == 0 && empty.channelCount == 2)
        #expect(try reader.extract(7_999..<8_000, as: .int32).frameCount == 1)
    }
}
