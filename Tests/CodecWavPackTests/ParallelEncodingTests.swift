import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecWavPack

/// A long source is encoded in segments on several cores, each by a libwavpack context of its
/// own, and joined into one stream: the same bytes for any number of workers, every block's
/// index and checksum right (wvunpack verifies and decodes it to the source's samples), the
/// index made from the encoder's blocks equal to a scan, the size within 0.2 % of the wavpack
/// tool's single encoder over the whole file.
@Suite struct ParallelEncodingTests {
    struct Source: Sendable, CustomStringConvertible {
        var rate: Int, bits: Int, channels: Int, frames: Int, float = false
        var description: String { "\(rate) Hz, \(bits)-bit \(float ? "float" : "int"), \(channels) ch, \(frames) frames" }
    }

    // Each spans three segments or more, with a last one of odd length.
    static let sources: [Source] = [
        Source(rate: 48_000, bits: 16, channels: 1, frames: 5_000_001),
        Source(rate: 96_000, bits: 24, channels: 3, frames: 1_500_007),
        Source(rate: 44_100, bits: 32, channels: 2, frames: 2_200_000, float: true),
        Source(rate: 8_000, bits: 16, channels: 16, frames: 300_001),
    ]

    @Test(arguments: sources)
    func theStreamIsTheSameWhateverTheWorkersAndWvunpackDecodesTheSource(_ source: Source) async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/source.wav"
        try ProcessRunner.run(WavPackTests.sox, [
            "-R", "-r", String(source.rate), "-n", "-r", String(source.rate), "-b", String(source.bits), "-c", String(source.channels),
            "-e", source.float ? "floating-point" : "signed-integer", wav,
            "synth", "\(source.frames)s", "sine", "100-\(source.rate / 3)", "synth", "\(source.frames)s", "pinknoise", "mix", "vol", "0.6",
        ])
        var streams: [[UInt8]] = []
        for workers in [1, 2, 5] {
            let store = FilesystemStore(root: folder.path + "/store-\(workers).zarr")
            let group = try ZarrGroup.create(in: store, at: "0")
            var options = ImportOptions()
            options.workers = workers
            let report = try await WavPackBackend().importToZarr(from: ImportSource.checksummed(wav), into: group, options: options)
            #expect(report.totalSamples == Int64(source.frames))
            let stored = try ZarrGroup.open(in: store, at: "0")
            let blob = try BlobReader(try stored.array(RecordingLayout.blobArrayName))
            streams.append(try blob.read(0..<blob.length))
            // The index came from the encoder's blocks and agrees with a scan of the stream.
            let (scanned, _) = try await WavPackBackend().buildIndex(of: blob, options: IndexOptions())
            #expect(try WavPack.FrameIndex.load(from: stored) == scanned, "\(source), \(workers) workers")
        }
        #expect(streams[1] == streams[0] && streams[2] == streams[0], "\(source): the stream depends on the number of workers")

        // wvunpack checks every block (checksums, CRCs) and decodes the joined stream.
        let stored = folder.path + "/stored.wv"
        try Data(streams[0]).write(to: URL(fileURLWithPath: stored))
        try ProcessRunner.run(WavPackTests.wvunpack, ["-q", "-v", stored])
        let decoded = folder.path + "/decoded.raw", original = folder.path + "/source.raw"
        try ProcessRunner.run(WavPackTests.wvunpack, ["-q", "-y", "--raw", stored, "-o", decoded])
        try ProcessRunner.run(WavPackTests.sox, [wav, "-t", "raw", original])
        let decodedBytes = try Data(contentsOf: URL(fileURLWithPath: decoded)), originalBytes = try Data(contentsOf: URL(fileURLWithPath: original))
        #expect(decodedBytes.count == source.frames * source.channels * (source.bits / 8), "\(source)")
        #expect(decodedBytes == originalBytes, "\(source): wvunpack's decode differs from the source")

        // The wavpack tool over the whole file (one encoder, same mode, no RIFF header kept).
        let reference = folder.path + "/reference.wv"
        try ProcessRunner.run(WavPackTests.wavpack, ["-q", "-y", "-r", wav, "-o", reference])
        let referenceSize = try Data(contentsOf: URL(fileURLWithPath: reference)).count
        #expect(Double(streams[0].count) <= Double(referenceSize) * 1.002, "\(source): \(streams[0].count) bytes against the tool's \(referenceSize)")
    }

    /// A WAV cut short declares more frames than it holds: every segment's encoder writes the
    /// declared total, and the first block is given the real one at the end (its checksum
    /// rewritten with it), as the wavpack tool does.
    @Test func aSourceCutShortGetsItsRealTotalInTheFirstBlock() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/long.wav", cut = folder.path + "/cut.wav"
        try ProcessRunner.run(WavPackTests.sox, ["-R", "-r", "48000", "-n", "-r", "48000", "-b", "16", "-c", "1", wav, "synth", "2500000s", "pinknoise", "vol", "0.5"])
        let whole = try Data(contentsOf: URL(fileURLWithPath: wav))
        let kept = 2_500_000 - 123_457
        try whole.prefix(whole.count - 123_457 * 2).write(to: URL(fileURLWithPath: cut))
        let store = FilesystemStore(root: folder.path + "/store.zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        var options = ImportOptions()
        options.workers = 2
        let report = try await WavPackBackend().importToZarr(from: ImportSource.checksummed(cut), into: group, options: options)
        #expect(report.totalSamples == Int64(kept))
        let blob = try BlobReader(try ZarrGroup.open(in: store, at: "0").array(RecordingLayout.blobArrayName))
        let stream = try blob.read(0..<blob.length)
        let first = stream.withUnsafeBytes { WavPack.BlockHeader.parse($0) }
        #expect(try first.get().totalSamples == Int64(kept))
        let stored = folder.path + "/stored.wv"
        try Data(stream).write(to: URL(fileURLWithPath: stored))
        try ProcessRunner.run(WavPackTests.wvunpack, ["-q", "-v", stored])
        try ProcessRunner.run(WavPackTests.wvunpack, ["-q", "-y", "--raw", stored, "-o", folder.path + "/decoded.raw"])
        let decoded = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/decoded.raw"))
        #expect(decoded == whole.dropFirst(44).prefix(kept * 2), "wvunpack's decode differs from the samples the cut file holds")
    }
}
