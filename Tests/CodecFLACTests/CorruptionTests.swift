import CodecCore
import Testing
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// Damaged blobs are reported, never crash, and frames away from the damage still extract exactly.
@Suite struct CorruptionTests {
    /// A 1 s, 48 kHz mono recording of 12 frames (block size 4096), its reference samples.
    private func recording(_ folder: TemporaryFolder) async throws -> (ZarrGroup, [Int32]) {
        let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: 16, channels: 1, seconds: 1)
        let (group, _) = try await FLACFixtures.importFile(wav, in: folder)
        return (group, try FLACFixtures.referenceSamples(wav))
    }

    private func flip(_ group: ZarrGroup, at offset: Int64) throws {
        let blob = try group.array(RecordingLayout.blobArrayName)
        let byte = try blob.readBytes(Int(offset)..<Int(offset) + 1)
        try blob.write([byte[0] ^ 0x5A], origin: [Int(offset)], shape: [1])
    }

    private func rebuild(_ group: ZarrGroup, verify: Bool) async throws -> IndexReport {
        var options = IndexOptions()
        options.verifyEveryFrame = verify
        return try await FLACBackend().buildIndex(in: group, options: options)
    }

    @Test func flippedFrameBodyIsReportedAndOtherFramesExtract() async throws {
        let folder = TemporaryFolder()
        let (group, reference) = try await recording(folder)
        let before = try FLAC.FrameIndex.load(from: group)
        try flip(group, at: before.byteOffsets[5] + before.frameSizes[5] / 2)

        // Without verification the header still indexes; decoding the frame fails with a typed error.
        #expect(try await rebuild(group, verify: false).entries == 12)
        var reader = try FLACBackend().openFLACRecording(group)
        let error = #expect(throws: CodecError.self) { try reader.extractNative(20_000..<22_000) }
        #expect(error?.code == .corrupt)

        // With verification the damaged frame is counted and left out of the index.
        let report = try await rebuild(group, verify: true)
        #expect(report.entries == 11)
        #expect(report.rejected["damaged frame (CRC-16)"] == 1)
        reader = try FLACBackend().openFLACRecording(group)
        #expect(throws: CodecError.self) { try reader.extractNative(20_000..<22_000) }
        for range: Range<Int64> in [0..<20_480, 24_576..<48_000, 100..<4000, 30_000..<30_001] {
            #expect(try reader.extractNative(range) == Array(reference[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
    }

    /// The first frame's header damaged: the next intact frame keeps its true position (from its
    /// coded frame number), so no later sample is shifted.
    @Test func damagedFirstFrameKeepsLaterPositions() async throws {
        let folder = TemporaryFolder()
        let (group, reference) = try await recording(folder)
        let before = try FLAC.FrameIndex.load(from: group)
        try flip(group, at: before.byteOffsets[0] + 2)
        _ = try await rebuild(group, verify: false)
        let reader = try FLACBackend().openFLACRecording(group)
        #expect(reader.index.firstSamples.first == before.firstSamples[1] || reader.index.firstSamples.first == before.firstSamples[2])
        #expect(throws: CodecError.self) { try reader.extractNative(0..<100) }
        for range: Range<Int64> in [12_288..<20_000, 30_000..<48_000] {
            #expect(try reader.extractNative(range) == Array(reference[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
    }

    @Test func damagedHeaderResynchronisesAtTheNextFrame() async throws {
        let folder = TemporaryFolder()
        let (group, reference) = try await recording(folder)
        let before = try FLAC.FrameIndex.load(from: group)
        try flip(group, at: before.byteOffsets[5] + 2)  // the block size / sample rate byte
        let report = try await rebuild(group, verify: false)
        #expect(report.rejected["resynchronised after a gap"] == 1)
        #expect(report.rejected["damaged frame (CRC-16)"] == 1)
        let reader = try FLACBackend().openFLACRecording(group)
        let index = reader.index
        // Frame 5's header is gone, so frame 4 appears to run into frame 6 and fails its CRC-16:
        // both leave the index, frame 6 onwards is found again.
        #expect(index.byteOffsets == Array(before.byteOffsets[0..<4] + before.byteOffsets[6...]))
        #expect(index.firstSamples == Array(before.firstSamples[0..<4] + before.firstSamples[6...]))
        #expect(throws: CodecError.self) { try reader.extractNative(16_000..<17_000) }
        #expect(throws: CodecError.self) { try reader.extractNative(20_000..<26_000) }
        for range: Range<Int64> in [0..<16_384, 24_576..<48_000] {
            #expect(try reader.extractNative(range) == Array(reference[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
    }

    @Test func cutOffTailLosesOnlyTheLastFrame() async throws {
        let folder = TemporaryFolder()
        let (group, reference) = try await recording(folder)
        var blob = try group.array(RecordingLayout.blobArrayName)
        try blob.resize(to: [blob.shape[0] - 100])
        let report = try await rebuild(group, verify: false)
        #expect(report.entries == 11)
        #expect(report.rejected["last frame damaged or cut off (CRC-16)"] == 1)
        let reader = try FLACBackend().openFLACRecording(group)
        #expect(reader.totalSamples == 11 * 4096)
        #expect(try reader.extractNative(40_000..<45_056) == Array(reference[40_000..<45_056]))
        let error = #expect(throws: CodecError.self) { try reader.extractNative(45_000..<46_000) }
        #expect(error?.code == .invalidArgument)
    }

    @Test(arguments: 0..<6)
    func randomDamageNeverCrashesAndNeverLies(_ seed: Int) async throws {
        let folder = TemporaryFolder()
        let (group, reference) = try await recording(folder)
        var random = SeededGenerator(state: UInt64(seed + 100))
        let length = try group.array(RecordingLayout.blobArrayName).shape[0]
        for _ in 0..<(1 + seed * 3) { try flip(group, at: Int64.random(in: 200..<Int64(length), using: &random)) }
        for verify in [false, true] {
            _ = try await rebuild(group, verify: verify)
            let reader = try FLACBackend().openFLACRecording(group)
            guard reader.totalSamples > 0 else { continue }
            for _ in 0..<20 {
                let start = Int64.random(in: 0..<reader.totalSamples, using: &random)
                let range = start..<min(reader.totalSamples, start + Int64.random(in: 1...6000, using: &random))
                // Either exactly the source samples, or a typed error: never wrong samples.
                do {
                    #expect(try reader.extractNative(range) == Array(reference[Int(range.lowerBound)..<Int(range.upperBound)]))
                } catch {
                    #expect(error.code == .corrupt)
                }
            }
        }
    }
}
