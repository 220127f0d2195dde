import ZarrwlrArchive
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore

/// `export` recreates WAV, RF64, W64 and AIFF sources of lossless imports byte for byte
/// (header, every chunk in order, padding, trailing bytes), and refuses what it cannot.
@Suite struct ByteExactExportTests {
    static let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"

    private func roundTrip(_ file: String, codec: CodecID? = nil, in folder: TemporaryFolder) async throws -> Bool {
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/s.zarr")
        guard case .imported(let id, let report) = try await archive.importFile(file, codec: codec, allowDuplicate: true) else { return false }
        #expect(!report.copiedVerbatim)
        #expect(!report.warnings.contains { $0.contains("cannot be exported byte for byte") }, "\(report.warnings)")
        let exported = folder.path + "/exported-" + id
        _ = try archive.export(id, to: exported)
        return try Data(contentsOf: URL(fileURLWithPath: exported)) == Data(contentsOf: URL(fileURLWithPath: file))
    }

    @Test(arguments: [
        ["-r", "48000", "-b", "16", "-c", "2", "x.wav"], ["-r", "96000", "-b", "24", "-c", "1", "x.wav"], ["-r", "8000", "-b", "8", "-c", "1", "x.wav"],
        ["-r", "44100", "-b", "32", "-c", "3", "x.wav"], ["-r", "44100", "-b", "16", "-c", "1", "x.aiff"], ["-r", "22050", "-b", "24", "-c", "2", "x.aiff"],
        ["-r", "44100", "-b", "24", "-c", "2", "x.w64"], ["-r", "384000", "-b", "16", "-c", "1", "x.wav"],
    ])
    func soxFilesComeBackByteForByte(_ arguments: [String]) async throws {
        let folder = TemporaryFolder()
        let file = folder.path + "/" + arguments.last!
        try ProcessRunner.run(Self.sox, ["-R", "-n"] + arguments.dropLast() + [file, "synth", "0.7", "pinknoise", "vol", "0.4"])
        #expect(try await roundTrip(file, in: folder), "\(arguments)")
    }

    @Test func floatsThroughWavPackAndTwelveChannelsThroughFLACGroups() async throws {
        let folder = TemporaryFolder()
        let float = folder.path + "/f.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-e", "floating-point", "-b", "32", "-c", "2", float, "synth", "0.5", "whitenoise", "vol", "1.7"])
        #expect(try await roundTrip(float, codec: CodecID("wavpack"), in: folder))
        let wide = folder.path + "/wide.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "24", "-c", "12", wide, "synth", "0.3", "pinknoise"])
        #expect(try await roundTrip(wide, in: folder))
    }

    @Test(arguments: ["20250416_211500.WAV", "20250416_010000_truncated.WAV", "audiomoth_pykanto_20210502_040000.WAV", "guano_before_data_384k.wav", "edge_soundevent_rf64_pcm_16.rf64"])
    func recorderFilesComeBackByteForByte(_ name: String) async throws {
        let folder = TemporaryFolder()
        #expect(try await roundTrip(Fixtures.path(name), in: folder), "\(name)")
    }

    /// Chunks before and after the audio, odd sizes with their pad bytes, an odd number of
    /// 8-bit samples and bytes after the RIFF chunk all come back.
    @Test(arguments: [8, 24])
    func everyChunkPaddingAndTrailingByteIsKept(_ bits: Int) async throws {
        let folder = TemporaryFolder()
        let file = folder.path + "/chunks.wav"
        try Data(Self.wavWithManyChunks(bits: bits)).write(to: URL(fileURLWithPath: file))
        #expect(try await roundTrip(file, in: folder))
    }

    @Test func lossyAndUnkeptContainersAreRefusedAndLeaveNothing() async throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/x.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", wav, "synth", "0.5", "sine", "440"])
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/s.zarr")
        guard case .imported(let opus, _) = try await archive.importFile(wav, codec: CodecID("opus")) else { Issue.record("not imported"); return }
        let output = folder.path + "/out.wav"
        #expect(throws: CodecError.self) { try archive.export(opus, to: output) }
        #expect(!FileManager.default.fileExists(atPath: output))
        // A damaged container: the sha256 check refuses, and nothing is written.
        guard case .imported(let flac, _) = try await archive.importFile(wav, allowDuplicate: true) else { Issue.record("not imported"); return }
        let group = try archive.recording(flac)
        let container = try group.array("source_container")
        try container.write([UInt8(0x42)], origin: [30], shape: [1])
        let error = #expect(throws: CodecError.self) { try archive.export(flac, to: output) }
        #expect(error?.code == .corrupt)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect((try FileManager.default.contentsOfDirectory(atPath: folder.path)).allSatisfy { !$0.contains("partial") })
        // A container it does not keep (Sun .au) is said at import, for whoever deletes the original.
        let au = folder.path + "/x.au"
        try ProcessRunner.run(Self.sox, [wav, au])
        guard case .imported(let sun, let report) = try await archive.importFile(au) else { Issue.record("not imported"); return }
        #expect(report.warnings.contains { $0.hasPrefix("the original file cannot be exported byte for byte (not a little-endian WAV") }, "\(report.warnings)")
        #expect(throws: CodecError.self) { try archive.export(sun, to: output) }
        // A-law: kept as 16-bit samples, not the file's 8-bit codes, and said so.
        let alaw = folder.path + "/a.wav"
        try ProcessRunner.run(Self.sox, [wav, "-e", "a-law", alaw])
        guard case .imported(_, let coded) = try await archive.importFile(alaw) else { Issue.record("not imported"); return }
        #expect(coded.warnings.contains { $0.contains("(its samples are coded as A-Law, not stored as PCM)") }, "\(coded.warnings)")
    }

    /// RIFF/WAVE: fmt, JUNK (odd), LIST/INFO, guan, data (odd length for 8 bits), cue, iXML,
    /// then three bytes after the RIFF chunk.
    static func wavWithManyChunks(bits: Int) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func chunk(_ id: String, _ payload: [UInt8]) -> [UInt8] { Array(id.utf8) + le32(payload.count) + payload + (payload.count % 2 == 1 ? [0] : []) }
        let channels = bits == 8 ? 1 : 2, width = bits / 8, frames = 4801
        var generator = SplitMix64(seed: UInt64(bits))
        let data = (0..<(frames * channels * width)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let fmt = le16(1) + le16(channels) + le32(48_000) + le32(48_000 * channels * width) + le16(channels * width) + le16(bits)
        let body = Array("WAVE".utf8) + chunk("fmt ", fmt) + chunk("JUNK", Array("abcde".utf8))
            + chunk("LIST", Array("INFOICMT".utf8) + le32(7) + Array("comment".utf8) + [0]) + chunk("guan", Array("GUANO|Version: 1.0\nMake: test\n".utf8))
            + chunk("data", data) + chunk("cue ", le32(0)) + chunk("iXML", Array("<x/>".utf8))
        return Array("RIFF".utf8) + le32(body.count) + body + [1, 2, 3]
    }
}
