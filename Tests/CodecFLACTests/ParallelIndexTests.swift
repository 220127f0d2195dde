import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// Phases 1-2 in parallel over tiny, odd-sized ranges (every frame header on some edge) must
/// give exactly the sequential result.
@Suite struct ParallelIndexTests {
    @Test(arguments: [1, 7, 97, 10_000])
    func parallelEqualsSequential(_ chunkBytes: Int) async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 44_100, bits: 16, channels: 2, seconds: chunkBytes < 10 ? 0.1 : 0.5)
        let file = try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["--blocksize=192"])
        let group = try ZarrGroup.create(in: MemoryStore(), at: "r")
        let writer = try BlobWriter(in: group, name: RecordingLayout.blobArrayName, shardBytes: chunkBytes * 4, innerChunkBytes: chunkBytes)
        try SourceFile.forEachPiece(file) { piece throws(CodecError) in try writer.write(piece) }
        let blob = try BlobReader(try writer.finish())

        var sequentialOptions = IndexOptions()
        sequentialOptions.workers = 1
        sequentialOptions.rangeBytes = 1 << 30
        let (sequential, _, sequentialReport) = try await FLACBackend().buildIndex(of: blob, options: sequentialOptions)
        let truth = try FLACFixtures.analyzedFrames(file, in: folder)
        #expect(sequential.byteOffsets == truth.map(\.offset))

        for workers in [1, 2, 3, 8] {
            var options = IndexOptions()
            options.workers = workers
            options.rangeBytes = 1  // rounded up to one chunk
            let (parallel, _, report) = try await FLACBackend().buildIndex(of: blob, options: options)
            #expect(parallel == sequential, "chunk \(chunkBytes), workers \(workers)")
            #expect(report == sequentialReport, "chunk \(chunkBytes), workers \(workers)")
        }
    }
}
