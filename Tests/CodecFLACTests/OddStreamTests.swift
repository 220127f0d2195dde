import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore
@testable import CodecFLAC

/// The truth rule for FLAC: whatever libFLAC decodes, the archive returns sample for sample, or
/// it refuses the import with a typed error; never a shorter or different recording. Streams
/// are made odd by `odd_streams.py` and judged by the flac CLI (`flac -d`, and `-F` to decode
/// through errors that concern only bytes after the audio).
@Suite struct OddStreamTests {
    static let script = PythonReference.packageRoot + "/Tests/CodecFLACTests/odd_streams.py"

    /// What `flac -d` makes of `file`: its exit status and, decoding through errors, the samples.
    private func reference(_ file: String, bits: Int, in folder: TemporaryFolder) throws -> (accepted: Bool, samples: [Int32]) {
        let raw = folder.path + "/reference.raw"
        let arguments = ["-s", "-d", "-f", "--force-raw-format", "--endian=little", "--sign=signed", "-o", raw, file]
        let accepted = (try? ProcessRunner.run(FLACFixtures.flac, arguments)) != nil
        try ProcessRunner.run(FLACFixtures.flac, ["-F"] + arguments)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        let width = (bits + 7) / 8
        let samples = stride(from: 0, to: bytes.count - width + 1, by: width).map { at in
            var value: Int32 = 0
            for k in 0..<width { value |= Int32(bytes[at + k]) << (8 * k) }
            let shift = Int32(32 - 8 * width)
            return (value << shift) >> shift
        }
        return (accepted, samples)
    }

    private func oddStream(_ variant: String, from source: String, in folder: TemporaryFolder) throws -> String {
        let output = folder.path + "/\(variant).flac"
        try PythonReference.run(script: Self.script, [variant, source, output])
        return output
    }

    /// Imports `file` and checks it against libFLAC; returns the import report.
    @discardableResult
    private func check(_ file: String, bits: Int, in folder: TemporaryFolder, mayRefuse: Bool = false) async throws -> ImportReport? {
        let truth = try reference(file, bits: bits, in: folder)
        let imported: (ZarrGroup, ImportReport)
        do {
            imported = try await FLACFixtures.importFile(file, in: folder)
        } catch let error as CodecError {
            #expect(mayRefuse, "\(file): refused although libFLAC decodes it: \(error)")
            return nil
        }
        let (group, report) = imported
        #expect(report.copiedVerbatim)
        let reader = try FLACBackend().openFLACRecording(group)
        let channels = Int64(reader.channelCount)
        #expect(reader.totalSamples * channels == Int64(truth.samples.count), "\(file): \(reader.totalSamples) samples, libFLAC \(truth.samples.count / Int(channels))")
        guard reader.totalSamples * channels == Int64(truth.samples.count) else { return report }
        var random = SeededGenerator(state: 99)
        var ranges: [Range<Int64>] = [0..<reader.totalSamples, reader.totalSamples - 1..<reader.totalSamples]
        for _ in 0..<12 {
            let start = Int64.random(in: 0..<reader.totalSamples, using: &random)
            ranges.append(start..<Int64.random(in: start...reader.totalSamples, using: &random))
        }
        for range in ranges {
            #expect(try reader.extractNative(range) == Array(truth.samples[Int(range.lowerBound * channels)..<Int(range.upperBound * channels)]), "\(file) \(range)")
        }
        return report
    }

    static let variants = [
        "id3v1", "apev2", "apev2_id3v1", "junk", "id3v2_prefix_id3v1", "max_block_smaller", "block_sizes_unequal",
        "min_above_max", "frame_sizes_lie", "total_smaller", "total_larger", "total_zero", "md5_zero", "md5_wrong",
        "headerless", "headerless_id3v1",
    ]

    @Test(arguments: variants)
    func oddStreamOf16BitStereo(_ variant: String) async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: 16, channels: 2, seconds: 1.3)
        let file = try oddStream(variant, from: try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["--blocksize=4096"]), in: folder)
        let report = try await check(file, bits: 16, in: folder)
        if variant.contains("id3v1") || variant.contains("apev2") || variant == "junk" {
            #expect(report?.warnings.contains { $0.contains("after the last frame are not audio") } == true)
        }
        if variant == "md5_wrong" { #expect(report?.warnings.contains { $0.contains("MD5") } == true) }
    }

    @Test(arguments: ["apev2_id3v1", "max_block_smaller", "headerless"])
    func oddStreamOfARealRecording(_ variant: String) async throws {
        let folder = TemporaryFolder()
        try await check(try oddStream(variant, from: Fixtures.path("flac_sonicpi_misc_burp_24bit.flac"), in: folder), bits: 24, in: folder)
    }

    /// The old variable-block-size format: blocking strategy bit 0, sample numbers coded, sizes
    /// varying, STREAMINFO's minimum and maximum differing.
    @Test func oldFormatVariableBlockSize() async throws {
        let folder = TemporaryFolder()
        var parts: [String] = []
        for (n, blockSize) in [1152, 4096, 576, 2000].enumerated() {
            let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: 16, channels: 2, seconds: 0.37, name: "part\(n).wav")
            parts.append(try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["--blocksize=\(blockSize)", "--no-padding", "--no-seektable"], name: "part\(n).flac"))
        }
        let variable = folder.path + "/variable.flac"
        try PythonReference.run(script: PythonReference.packageRoot + "/Tests/CodecFLACTests/variable_blocksize.py", [variable] + parts)
        let file = try oddStream("old_variable", from: variable, in: folder)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(Array(bytes[42...43]) == [0xFF, 0xF8])  // strategy bit 0
        try await check(file, bits: 16, in: folder)
    }

    /// libFLAC pads silence where frame numbers times STREAMINFO's block size skip samples (a
    /// maximum block size larger than the frames): the archive cannot index that as libFLAC
    /// decodes it, so it must refuse, with a typed error.
    @Test func streamLibFLACPadsWithSilenceIsRefused() async throws {
        let folder = TemporaryFolder()
        let wav = try FLACFixtures.wav(in: folder, rate: 48_000, bits: 16, channels: 2, seconds: 1.3)
        let file = try oddStream("max_block_larger", from: try FLACFixtures.flacFile(from: wav, in: folder, arguments: ["--blocksize=4096"]), in: folder)
        let error = await #expect(throws: CodecError.self) { try await FLACFixtures.importFile(file, in: folder) }
        #expect(error?.message.contains("libFLAC") == true)
    }
}
