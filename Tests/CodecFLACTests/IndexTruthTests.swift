import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// FLAC sources are copied 1:1 and indexed; the index must equal the frame list of the flac
/// CLI's analysis, and extraction must equal `flac -d`.
@Suite struct IndexTruthTests {
    /// Imports `file`, then checks the copy, the index and extraction against the flac CLI.
    private func check(_ file: String, in folder: TemporaryFolder) async throws {
        let (group, report) = try await FLACFixtures.importFile(file, in: folder)
        #expect(report.copiedVerbatim)
        // The blob is the file, byte for byte, and the recorded sha256 is sha256sum's.
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let blob = try group.array(RecordingLayout.blobArrayName)
        #expect(try blob.readBytes(0..<blob.shape[0]) == original)
        let sha = try ProcessRunner.run("/usr/bin/sha256sum", [file]).standardOutput.prefix(64)
        #expect(group.attributes["zarrwlr"]?["source"]?["sha256"] == .string(String(sha)))

        let truth = try FLACFixtures.analyzedFrames(file, in: folder)
        let index = try FLAC.FrameIndex.load(from: group)
        #expect(index.byteOffsets == truth.map(\.offset))
        #expect(index.frameSizes == zip(truth.map(\.offset).dropFirst() + [Int64(original.count)], truth.map(\.offset)).map { $0 - $1 })
        var sample: Int64 = 0
        #expect(index.firstSamples == truth.map { frame in defer { sample += Int64(frame.blockSize) }; return sample })
        #expect(index.totalSamples == sample)
        #expect(report.index.entries == truth.count)

        let decoded = folder.path + "/decoded.wav"
        try ProcessRunner.run(FLACFixtures.flac, ["-s", "-f", "-d", "-o", decoded, file])
        let reference = try FLACFixtures.referenceSamples(decoded)
        let reader = try FLACBackend().openFLACRecording(group)
        let channels = Int64(reader.channelCount)
        var random = SeededGenerator(state: UInt64(original.count))
        var ranges: [Range<Int64>] = [0..<sample]
        for _ in 0..<20 {
            let start = Int64.random(in: 0..<sample, using: &random)
            ranges.append(start..<Int64.random(in: start...sample, using: &random))
        }
        for range in ranges {
            #expect(try reader.extractNative(range) == Array(reference[Int(range.lowerBound * channels)..<Int(range.upperBound * channels)]), "\(file) \(range)")
        }
    }

    @Test(arguments: [16, 192, 1152, 4096, 4608, 16384, 32768], [true, false])
    func blockSizesWithAndWithoutSeektableAndPadding(_ blockSize: Int, _ withMetadata: Bool) async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 44_100, bits: 16, channels: 2, seconds: blockSize == 16 ? 0.3 : 2.5)
        let metadata = withMetadata ? ["--padding=5000", "--seekpoint=0.5s"] : ["--no-seektable", "--no-padding"]
        let file = try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["--blocksize=\(blockSize)"] + metadata)
        try await check(file, in: folder)
    }

    /// An encoded stream's index is taken from libFLAC's own frame writes (the blob is not
    /// scanned again); it must equal a scan of the stored blob and the flac CLI's analysis of it.
    @Test(arguments: [(16, 1, 1152), (24, 2, 4096), (16, 6, 4608), (8, 1, 16), (24, 1, 16384)])
    func anEncodedStreamsIndexComesFromTheEncoderAndEqualsAScan(_ bits: Int, _ channels: Int, _ blockSize: Int) async throws {
        let folder = TemporaryFolder()
        // An odd length: the last frame is short.
        let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: bits, channels: channels, seconds: blockSize == 16 ? 0.21 : 2.3459)
        var options = ImportOptions()
        options.codecSettings[FLAC.codecID] = ["block-size": String(blockSize)]
        let (group, report) = try await FLACFixtures.importFile(wav, in: folder, options: options)
        #expect(!report.copiedVerbatim)
        #expect(report.index.scannedBytes == 0, "the blob was scanned again")
        let stored = try FLAC.FrameIndex.load(from: group)
        let blob = try RecordingLayout.openBlob(in: group, codec: FLAC.codecID)
        let (scanned, _, _) = try await FLACBackend().buildIndex(of: blob, options: IndexOptions())
        #expect(stored == scanned)
        let file = folder.path + "/stored.flac"
        try Data(try blob.read(0..<blob.length)).write(to: URL(fileURLWithPath: file))
        let truth = try FLACFixtures.analyzedFrames(file, in: folder)
        #expect(stored.byteOffsets == truth.map(\.offset))
        #expect(stored.totalSamples == Int64(truth.map(\.blockSize).reduce(0, +)))
        #expect(try ProcessRunner.outcome(FLACFixtures.flac, ["-s", "-t", file]).status == 0)
    }

    @Test(arguments: ["flac_sonicpi_misc_burp_24bit.flac", "bird_sonicpi_misc_crow.flac", "multich_pyflac_surround_6ch.flac", "bat_384k_24bit.flac"])
    func realFixtures(_ name: String) async throws {
        try await check(Fixtures.path(name), in: TemporaryFolder())
    }

    @Test func variableBlockSizeStream() async throws {
        let folder = TemporaryFolder()
        var parts: [String] = []
        for (n, blockSize) in [1152, 4096, 576, 2000].enumerated() {
            let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: 16, channels: 2, seconds: 0.37, name: "part\(n).wav")
            parts.append(try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["--blocksize=\(blockSize)", "--no-padding", "--no-seektable"], name: "part\(n).flac"))
        }
        let file = folder.path + "/variable.flac"
        try PythonReference.run(script: PythonReference.packageRoot + "/Tests/CodecFLACTests/variable_blocksize.py", [file] + parts)
        let firstFrame = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))[42...43]
        #expect(Array(firstFrame) == [0xFF, 0xF9])  // really variable-block-size
        try await check(file, in: folder)
    }
}
