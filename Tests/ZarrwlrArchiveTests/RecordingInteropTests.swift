import CodecCore
import CodecFLAC
import Foundation
import Testing
import TestSupport
import ZarrStore

/// zarr-python opens a recording as any Zarr group: it finds the blob (the FLAC file byte for
/// byte), the frame index and the attributes.
@Suite struct RecordingInteropTests {
    @Test func zarrPythonFindsBlobIndexAndAttributes() async throws {
        let folder = TemporaryFolder()
        let source = Fixtures.path("bird_sonicpi_misc_crow.flac")
        let store = FilesystemStore(root: folder.path + "/store.zarr")
        let group = try ZarrGroup.create(in: store, at: "0")
        let report = try await FLACBackend().importToZarr(from: ImportSource.checksummed(source), into: group, options: ImportOptions())

        let script = """
        import hashlib, json, sys, zarr
        g = zarr.open_group(sys.argv[1], path="0", mode="r")
        blob = g["audio_data_blob_array"][:]
        index = g["flac_index"][:]
        print(json.dumps({"sha256": hashlib.sha256(blob.tobytes()).hexdigest(), "attrs": dict(g.attrs),
                          "rows": index.shape[0], "offsets": index[:, 0].tolist(), "first_samples": index[:, 2].tolist()}))
        """
        let output = try ProcessRunner.run(try PythonReference.interpreter(), ["-c", script, folder.path + "/store.zarr"]).standardOutput
        let seen = try JSONValue(parsing: Array(output.utf8))
        let sha = String(try ProcessRunner.run("/usr/bin/sha256sum", [source]).standardOutput.prefix(64))
        #expect(seen["sha256"] == .string(sha))
        #expect(seen["attrs"]?["zarrwlr"]?["codec"] == "flac")
        #expect(seen["attrs"]?["zarrwlr"]?["source"]?["sha256"] == .string(sha))
        #expect(seen["attrs"]?["zarrwlr"]?["total_samples"]?.intValue == Int(report.totalSamples))

        // The rows zarr-python reads are the frames of the flac CLI's analysis.
        let analysis = folder.path + "/crow.ana"
        try ProcessRunner.run(ProcessRunner.which("flac") ?? "/usr/bin/flac", ["-s", "-a", "-o", analysis, source])
        let offsets = try String(contentsOfFile: analysis, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("frame=") }
            .compactMap { line in line.split(separator: "\t").first { $0.hasPrefix("offset=") }.flatMap { Int($0.dropFirst(7)) } }
        #expect(seen["rows"]?.intValue == offsets.count)
        #expect(seen["offsets"] == .array(offsets.map { .int(Int64($0)) }))
        #expect(seen["first_samples"]?.arrayValue?.compactMap(\.intValue) == offsets.indices.map { $0 * 4096 })
    }
}
