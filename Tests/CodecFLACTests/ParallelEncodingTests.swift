import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// A long source is encoded in segments on several cores and joined into one stream. The
/// reference is the flac tool (libFLAC's own encoder over the whole file, same level and block
/// size): the stored stream must be that file byte for byte, whatever the number of workers.
@Suite struct ParallelEncodingTests {
    struct Source: Sendable, CustomStringConvertible {
        var rate: Int, bits: Int, channels: Int, frames: Int, blockSize = 4096
        var description: String { "\(rate) Hz, \(bits)-bit, \(channels) ch, \(frames) frames in blocks of \(blockSize)" }
    }

    static let sources: [Source] = [
        // Lengths that are not multiples of the block size or of a segment.
        Source(rate: 48_000, bits: 16, channels: 1, frames: 1_234_567),
        Source(rate: 96_000, bits: 24, channels: 3, frames: 400_001),
        Source(rate: 44_100, bits: 8, channels: 2, frames: 300_000),
        Source(rate: 22_050, bits: 32, channels: 1, frames: 555_555),
        Source(rate: 8_000, bits: 16, channels: 8, frames: 100_003),
        // Exactly two segments of a mono stream (2 x 64 blocks of 4096), then one sample more.
        Source(rate: 16_000, bits: 16, channels: 1, frames: 524_288),
        Source(rate: 16_000, bits: 16, channels: 1, frames: 524_289),
        // Shorter than one block.
        Source(rate: 48_000, bits: 16, channels: 2, frames: 1_000),
        // More than 2,048 frames: frame numbers of three bytes (small blocks keep the source short).
        Source(rate: 384_000, bits: 16, channels: 1, frames: 600_001, blockSize: 256),
    ]

    @Test(arguments: sources)
    func theStreamIsTheFlacToolsWhateverTheWorkers(_ source: Source) async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: source.rate, bits: source.bits, channels: source.channels, frames: source.frames)
        let reference = try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["-5", "--blocksize=\(source.blockSize)", "--no-padding", "--no-seektable", "--channel-map=none"])
        let expected = try Self.streamInfoAndFrames(try [UInt8](Data(contentsOf: URL(fileURLWithPath: reference))))
        for workers in [1, 2, 5] {
            var options = ImportOptions()
            options.workers = workers
            options.codecSettings[FLAC.codecID] = ["block-size": String(source.blockSize)]
            let run = TemporaryFolder()
            let (group, report) = try await FLACFixtures.importFile(wav, in: run, options: options)
            let blob = try BlobReader(try group.array(RecordingLayout.blobArrayName))
            let stored = try Self.streamInfoAndFrames(try blob.read(0..<blob.length))
            // The tool adds tags of its own (a channel mask for more than two channels), so the
            // metadata after STREAMINFO may differ; STREAMINFO and every frame may not.
            #expect(stored.streamInfo == expected.streamInfo, "\(source), \(workers) workers: STREAMINFO")
            #expect(stored.frames.count == expected.frames.count, "\(source), \(workers) workers")
            let firstDifference = zip(stored.frames, expected.frames).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(firstDifference == nil, "\(source), \(workers) workers: frames differ from byte \(firstDifference ?? -1)")
            #expect(report.totalSamples == Int64(source.frames))
            // The index came from the encoder and agrees with a scan of the stream.
            let (scanned, _, _) = try await FLACBackend().buildIndex(of: blob, options: IndexOptions())
            #expect(try FLAC.FrameIndex.load(from: group) == scanned, "\(source), \(workers) workers")
        }
    }

    /// The STREAMINFO block's 34 bytes and all bytes from the first frame on.
    static func streamInfoAndFrames(_ stream: [UInt8]) throws -> (streamInfo: [UInt8], frames: [UInt8]) {
        let chain = try FLAC.MetadataChain { offset, count throws(CodecError) in Array(stream[Int(offset)..<min(stream.count, Int(offset) + count)]) }
        return (Array(stream[8..<42]), Array(stream[Int(chain.firstFrameOffset)...]))
    }

    @Test func theFlacToolTestsTheJoinedStreamsMD5() async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: 24, channels: 2, frames: 777_777)
        var options = ImportOptions()
        options.workers = 3
        let (group, _) = try await FLACFixtures.importFile(wav, in: folder, options: options)
        let blob = try BlobReader(try group.array(RecordingLayout.blobArrayName))
        let file = folder.path + "/stored.flac"
        try Data(try blob.read(0..<blob.length)).write(to: URL(fileURLWithPath: file))
        // `flac -t` decodes the stream and compares the MD5 in STREAMINFO with the decoded samples.
        try ProcessRunner.run(FLACFixtures.flac, ["-t", "-s", file])
        try ProcessRunner.run(FLACFixtures.flac, ["-d", "-s", "-f", "--force-raw-format", "--endian=little", "--sign=signed", "-o", folder.path + "/decoded.raw", file])
        let decoded = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.path + "/decoded.raw")))
        let source = try FLACFixtures.referenceSamples(wav)
        #expect(decoded.count == source.count * 3)
        let samples = stride(from: 0, to: decoded.count, by: 3).map { at in
            Int32(bitPattern: UInt32(decoded[at]) << 8 | UInt32(decoded[at + 1]) << 16 | UInt32(decoded[at + 2]) << 24) >> 8
        }
        #expect(samples == source)
    }

    @Test func frameNumbersAreCodedAsRFC9639Says() {
        // §9.1.5: 0x7F in one byte, 0x80 in two (110xxxxx 10xxxxxx), 0x7FFFFFFF in six.
        #expect(FLAC.FrameNumbering.coded(0x7F) == [0x7F])
        #expect(FLAC.FrameNumbering.coded(0x80) == [0xC2, 0x80])
        #expect(FLAC.FrameNumbering.coded(0x7FF) == [0xDF, 0xBF])
        #expect(FLAC.FrameNumbering.coded(0x800) == [0xE0, 0xA0, 0x80])
        #expect(FLAC.FrameNumbering.coded(0x7FFF_FFFF) == [0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF])
    }
}
