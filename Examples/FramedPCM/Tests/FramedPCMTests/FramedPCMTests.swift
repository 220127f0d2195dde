import ZarrwlrArchive
import AudioInput
import CodecConformance
import CodecCore
import Foundation
import Testing
import ZarrStore
@testable import FramedPCM

/// The plugin passes zarrwlr's conformance suite, and an archive that has it in its registry
/// imports and extracts through it like any built-in codec.
@Suite struct FramedPCMTests {
    /// A 24-bit stereo WAV made by sox, and libsndfile's decode of it (the reference).
    static func source(in folder: String) throws -> (path: String, samples: [Int32]) {
        let path = folder + "/source.wav"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sox", "-R", "-n", "-r", "48000", "-b", "24", "-c", "2", path, "synth", "2", "sine", "100-9000", "synth", "2", "pinknoise", "mix", "vol", "0.6"]
        try process.run()
        process.waitUntilExit()
        let reader = try PCMFileReader(path: path)
        var all: [Int32] = [], block: [Int32] = []
        while try reader.read(maxFrames: 1 << 16, into: &block) > 0 { all += block }
        return (path, all)
    }

    static func folder() -> String {
        let path = NSTemporaryDirectory() + "framed-pcm-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func passesTheConformanceSuite() async throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, samples) = try Self.source(in: folder)
        let suite = ConformanceSuite(FramedPCMBackend(), source: path, reference: .init(samples: .int32(samples), format: .int32))
        let failures = try await suite.run()
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func importsAndExtractsThroughAnArchive() async throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, samples) = try Self.source(in: folder)
        let archive = try AudioArchive.openOrCreate(storePath: folder + "/archive.zarr", codecs: .standard.adding(FramedPCMBackend.self))
        guard case .imported(let id, let report) = try await archive.importFile(path, codec: FramedPCM.codecID) else {
            Issue.record("not imported")
            return
        }
        #expect(report.codec == FramedPCM.codecID)
        let reader = try archive.reader(for: id)
        guard case .int32(let extracted) = try reader.extract(1000..<50_000, as: .int32).samples else { return }
        #expect(extracted == Array(samples[2000..<100_000]))
        // An archive without the plugin says which codec it lacks instead of misreading it.
        let plain = try AudioArchive.open(storePath: folder + "/archive.zarr")
        let error = #expect(throws: CodecError.self) { try plain.reader(for: id) }
        #expect(error?.message.contains("framed-pcm") == true)
    }
}
