import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecOpus

@Suite struct OggIndexTests {
    private func blob(of file: String, chunkBytes: Int) throws -> BlobReader {
        let group = try ZarrGroup.create(in: MemoryStore(), at: "r")
        let writer = try BlobWriter(in: group, name: RecordingLayout.blobArrayName, shardBytes: chunkBytes * 4, innerChunkBytes: chunkBytes)
        try SourceFile.forEachPiece(file) { piece throws(CodecError) in try writer.write(piece) }
        return try BlobReader(try writer.finish())
    }

    @Test(arguments: [1, 7, 97, 10_000])
    func parallelEqualsSequential(_ chunkBytes: Int) async throws {
        let folder = TemporaryFolder()
        // A page every 20 ms; with tiny chunks every byte is a store read, so keep those short.
        let wav = try OpusFixtures.wav(in: folder, channels: 2, seconds: chunkBytes < 10 ? 0.1 : 2)
        let file = try OpusFixtures.opusenc(wav, in: folder, arguments: ["--max-delay", "20", "--bitrate", "48"])
        let blob = try blob(of: file, chunkBytes: chunkBytes)
        var sequentialOptions = IndexOptions()
        sequentialOptions.workers = 1
        sequentialOptions.rangeBytes = 1 << 30
        let (sequential, _, sequentialReport) = try await OpusBackend().buildIndex(of: blob, options: sequentialOptions)
        #expect(sequential.count > 3)
        for workers in [1, 2, 3, 8] {
            var options = IndexOptions()
            options.workers = workers
            options.rangeBytes = 1
            let (parallel, _, report) = try await OpusBackend().buildIndex(of: blob, options: options)
            #expect(parallel == sequential, "chunk \(chunkBytes), workers \(workers)")
            #expect(report == sequentialReport, "chunk \(chunkBytes), workers \(workers)")
        }
    }

    /// Damaged pages are counted, never crash, and ranges away from them still match the
    /// continuous decode of the undamaged stream.
    @Test func corruptedPageIsReportedAndOtherRangesExtract() async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: 2, seconds: 10)
        let file = try OpusFixtures.opusenc(wav, in: folder, arguments: ["--bitrate", "64"])
        let (reference, channels) = try OpusFixtures.continuousDecode(file)
        let (group, _) = try await OpusFixtures.importFile(file, in: folder)
        let before = try OpusBackend().openOpusRecording(group)
        let damagedRow = before.rows.count / 2
        let target = before.rows[damagedRow]
        let array = try group.array(RecordingLayout.blobArrayName)
        let offset = Int(target.offset + target.size / 2)
        try array.write([try array.readBytes(offset..<offset + 1)[0] ^ 0xFF], origin: [offset], shape: [1])

        let report = try await OpusBackend().buildIndex(in: group, options: IndexOptions())
        #expect(report.rejected["CRC-32 mismatch"] == 1)
        #expect((report.rejected["missing or damaged pages (sequence gap)"] ?? 0) >= 1)
        let reader = try OpusBackend().openOpusRecording(group)
        #expect(reader.totalSamples == before.totalSamples)
        let damagedSample = target.firstSample
        let error = #expect(throws: CodecError.self) { try reader.extractFloat(damagedSample..<damagedSample + 100) }
        #expect(error?.code == .corrupt)
        for range: Range<Int64> in [0..<48_000, (damagedSample - 150_000)..<(damagedSample - 100_000), (damagedSample + 150_000)..<(damagedSample + 200_000)] {
            let extracted = try reader.extractFloat(range)
            let expected = reference[Int(range.lowerBound) * channels..<Int(range.upperBound) * channels]
            #expect(zip(extracted, expected).allSatisfy { abs($0 - $1) <= 1.0 / 32768 }, "\(range)")
        }
    }

    @Test func cutOffTailShortensTheRecording() async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: 1, seconds: 5)
        let file = try OpusFixtures.opusenc(wav, in: folder, arguments: [])
        let (reference, _) = try OpusFixtures.continuousDecode(file)
        let (group, _) = try await OpusFixtures.importFile(file, in: folder)
        var array = try group.array(RecordingLayout.blobArrayName)
        try array.resize(to: [array.shape[0] - 500])
        let report = try await OpusBackend().buildIndex(in: group, options: IndexOptions())
        #expect(report.rejected["page cut off"] == 1)
        let reader = try OpusBackend().openOpusRecording(group)
        let cut = folder.path + "/cut.opus"
        try OpusFixtures.exportBlob(group, to: cut)
        #expect(Int(reader.totalSamples) == (try OpusFixtures.continuousDecode(cut)).samples.count)
        #expect(reader.totalSamples < 240_000)
        let extracted = try reader.extractFloat(100_000..<150_000)
        #expect(zip(extracted, reference[100_000..<150_000]).allSatisfy { abs($0 - $1) <= 1.0 / 32768 })
    }

    @Test func chainedStreamsAreRefused() async throws {
        let folder = TemporaryFolder()
        let wav = try OpusFixtures.wav(in: folder, channels: 1, seconds: 1)
        let first = try OpusFixtures.opusenc(wav, in: folder, arguments: ["--serial", "1"], name: "a.opus")
        let second = try OpusFixtures.opusenc(wav, in: folder, arguments: ["--serial", "2"], name: "b.opus")
        let chained = folder.path + "/chained.opus"
        try (try Data(contentsOf: URL(fileURLWithPath: first)) + Data(contentsOf: URL(fileURLWithPath: second)))
            .write(to: URL(fileURLWithPath: chained))
        let error = await #expect(throws: CodecError.self) { try await OpusFixtures.importFile(chained, in: folder) }
        #expect(error?.code == .unsupported)
        #expect(error?.description.contains("chained or multiplexed") == true)
    }
}
