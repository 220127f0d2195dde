import CodecCore
import Testing
import TestSupport
@testable import CodecFLAC

@Suite struct SmokeTests {
    @Test func importAndExtractWholeFile() async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 48000, bits: 16, channels: 2, seconds: 1)
        let (group, report) = try await FLACFixtures.importFile(wav, in: folder)
        print(report)
        let reader = try FLACBackend().openFLACRecording(group)
        let all = try reader.extractNative(0..<reader.totalSamples)
        #expect(all == (try FLACFixtures.referenceSamples(wav)))
    }
}
