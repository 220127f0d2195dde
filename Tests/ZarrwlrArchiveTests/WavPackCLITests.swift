import Foundation
import Testing
import TestSupport
import ZarrStore

/// WavPack through the CLI: the float WAV FLAC refuses and a 16-channel 24-bit array
/// round-trip bit-exactly; a .wv file is stored 1:1 and exported byte for byte.
@Suite(.serialized) struct WavPackCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"

    private func aimport(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(Self.binary, arguments)
    }

    @Test func floatAndArrayWAVsRoundTripAndWvFilesExportByteForByte() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        let float = folder.path + "/float.wav", array = folder.path + "/array16.wav"
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "48000", "-b", "32", "-e", "floating-point", "-c", "2", float, "synth", "1", "sine", "440", "vol", "0.01"])
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "96000", "-b", "24", "-c", "16", array, "synth", "1", "pinknoise"])
        let store = folder.path + "/a.zarr"
        // FLAC refuses the float WAV and says which codec keeps it.
        let refused = #expect(throws: ProcessRunner.Failure.self) { try aimport(["import", "--store", store, float]) }
        #expect(refused?.result.standardError.contains("--codec wavpack") == true)
        _ = try aimport(["import", "--store", store, "--codec", "wavpack", float, array])
        for (id, file, format) in [("0", float, "f32"), ("1", array, "s32")] {
            let raw = folder.path + "/\(id).raw"
            let frames = id == "0" ? 48_000 : 96_000
            _ = try aimport(["extract", "--store", store, id, "--start", "0", "--end", String(frames), "--format", format, "--output", raw])
            let reference = folder.path + "/\(id).ref.raw"
            try ProcessRunner.run(sox, [file, "-t", "raw", "-e", format == "f32" ? "floating-point" : "signed-integer", "-b", "32", "-L", reference])
            #expect(try Data(contentsOf: URL(fileURLWithPath: raw)) == Data(contentsOf: URL(fileURLWithPath: reference)), "recording \(id)")
        }
        let info = try JSONValue(parsing: Array(try aimport(["info", "--store", store, "1"]).standardOutput.utf8))
        #expect(info["channels"] == 16)
        #expect(info["channel_groups"] == nil)

        let wv = folder.path + "/copy.wv"
        try ProcessRunner.run(ProcessRunner.which("wavpack") ?? "/usr/bin/wavpack", ["-q", "-y", array, "-o", wv])
        let imported = try JSONValue(parsing: Array(try aimport(["import", "--store", store, "--json", "--codec", "wavpack", wv]).standardOutput.utf8))
        let id = try #require(imported.arrayValue?.first?["id"]?.stringValue)
        let exported = folder.path + "/exported.wv"
        _ = try aimport(["export", "--store", store, id, "--output", exported])
        #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == Data(contentsOf: URL(fileURLWithPath: wv)))
        #expect(try aimport(["verify", "--store", store]).standardOutput.contains("recording \(id): ok"))
    }

    /// Codec settings by name: checked against what the codec declares, recorded in the encoding.
    @Test func codecOptionsAreCheckedAndRecorded() throws {
        let folder = TemporaryFolder()
        let wav = folder.path + "/tone.wav"
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", ["-n", "-r", "48000", "-b", "16", "-c", "1", wav, "synth", "1", "sine", "440"])
        let store = folder.path + "/a.zarr"
        _ = try aimport(["import", "--store", store, "--codec", "wavpack", "--codec-option", "mode=high", wav])
        _ = try aimport(["import", "--store", store, "--codec", "flac", "--codec-option", "level=8", "--codec-option", "block-size=1152", "--allow-duplicate", wav])
        let wavpack = try JSONValue(parsing: Array(try aimport(["info", "--store", store, "0"]).standardOutput.utf8))
        #expect(wavpack["encoding"]?["mode"] == "high")
        let flac = try JSONValue(parsing: Array(try aimport(["info", "--store", store, "1"]).standardOutput.utf8))
        #expect(flac["encoding"]?["compression_level"] == 8)
        #expect(flac["encoding"]?["block_size"] == 1152)
        for bad in [["--codec", "flac", "--codec-option", "level=9"], ["--codec", "flac", "--codec-option", "mode=high"], ["--codec-option", "level=3"], ["--codec", "opus", "--codec-option", "bitrate"]] {
            let failure = #expect(throws: ProcessRunner.Failure.self) { try aimport(["import", "--store", store] + bad + [wav]) }
            #expect(failure?.result.status == 64, "\(bad)")
        }
    }
}
