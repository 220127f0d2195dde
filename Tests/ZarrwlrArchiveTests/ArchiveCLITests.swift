import Foundation
import Testing
import TestSupport
import ZarrStore
import CodecCore

/// The archive through the built `aimport` binary: nothing lost, nothing half-visible.
@Suite(.serialized) struct ArchiveCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"

    private func aimport(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(Self.binary, arguments)
    }

    private func list(_ store: String) throws -> [JSONValue] {
        try JSONValue(parsing: Array(try aimport(["list", "--store", store, "--json"]).standardOutput.utf8)).arrayValue ?? []
    }

    /// Staging folders of imports in progress (or interrupted).
    private func stagingFolders(_ store: String) throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: store + "/.zarrwlr/staging")) ?? []).filter { !$0.hasSuffix(".owner") }
    }

    /// Distinct small WAVs made by sox (different seeds give different sha256).
    private func wavs(_ count: Int, in folder: TemporaryFolder) throws -> [String] {
        try (0..<count).map { n in
            let path = folder.path + "/input-\(n).wav"
            try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", [
                "-n", "-r", "16000", "-b", "16", "-c", "1", path, "synth", "0.\(n + 1)", "sine", "\(300 + 50 * n)"])
            return path
        }
    }

    @Test func importReportsEachFileAndListShowsRecordings() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let inputs = try wavs(2, in: folder)
        let broken = Fixtures.path("edge_scipy_test-44100Hz-le-1ch-4bytes-incomplete-chunk.wav")
        let failure = #expect(throws: ProcessRunner.Failure.self) {
            try aimport(["import", "--store", store, "--json"] + inputs + [broken, inputs[0]])
        }
        #expect(failure?.result.status == 65)
        let results = try JSONValue(parsing: Array(failure?.result.standardOutput.utf8 ?? "".utf8)).arrayValue ?? []
        #expect(results.map { $0["status"]?.stringValue } == ["imported", "imported", "failed", "duplicate"])
        #expect(results.map { $0["id"]?.stringValue } == ["0", "1", nil, "0"])
        #expect(results[0]["codec"] == "flac")
        #expect(results[0]["sample_rate"] == 16_000)
        #expect(results[0]["channels"] == 1)
        #expect(results[0]["total_samples"] == 1_600)
        #expect(results[0]["warnings"] == [])
        #expect(results[2]["error"]?.stringValue?.contains("incomplete-chunk.wav") == true)
        let listed = try list(store)
        #expect(listed.map { $0["id"] } == ["0", "1"])
        #expect(listed.map { $0["source"]?["file_name"] } == ["input-0.wav", "input-1.wav"])
        #expect(try stagingFolders(store).isEmpty)
    }

    /// Starts `aimport` without waiting for it (its standard output piped).
    private func launch(_ arguments: [String]) throws -> (process: Process, output: Pipe) {
        try ProcessRunner.launch(Self.binary, arguments)
    }

    @Test func concurrentImportersGetDistinctIdsAndImportEachFileOnce() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let inputs = try wavs(10, in: folder)
        // Four importers at once, each over all files in its own order.
        let processes = try (0..<4).map { k in
            // Two of the importers also run three imports at once inside the process.
            try launch(["import", "--store", store, "--json"] + (k < 2 ? ["--jobs", "3"] : []) + (k % 2 == 0 ? inputs : inputs.reversed()).rotated(by: k))
        }
        var statuses: [String: [String]] = [:]
        for (process, output) in processes {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            for result in try JSONValue(parsing: [UInt8](data)).arrayValue ?? [] {
                statuses[result["file"]!.stringValue!, default: []].append(result["status"]!.stringValue!)
            }
        }
        // Every file imported exactly once over all four processes, the other three saw a duplicate.
        for file in inputs { #expect(statuses[file]?.sorted() == ["duplicate", "duplicate", "duplicate", "imported"], "\(file)") }
        let listed = try list(store)
        #expect(listed.compactMap { $0["id"]?.stringValue }.sorted { Int($0)! < Int($1)! } == (0..<10).map(String.init))
        #expect(Set(listed.compactMap { $0["source"]?["file_name"]?.stringValue }).count == 10)
        #expect(try stagingFolders(store).isEmpty)
    }

    @Test func killedImportLeavesNothingVisibleAndCanBeRepeated() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let small = try wavs(1, in: folder)[0]
        _ = try aimport(["import", "--store", store, small])
        let big = folder.path + "/big.wav"
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", ["-n", "-r", "384000", "-b", "16", "-c", "1", big, "synth", "40", "pinknoise"])
        let before = try list(store)
        var killedMidImport = false
        for delay in [100_000, 300_000, 600_000] as [UInt32] {
            let (process, _) = try launch(["import", "--store", store, big])
            usleep(delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // The killed import is not listed and the recording that was there is unchanged.
            let after = try list(store)
            #expect(after.map { $0["id"] } == before.map { $0["id"] } || after.count == before.count + 1)
            if after.count == before.count {
                #expect(after == before)
                let leftStaging = try !stagingFolders(store).isEmpty
                killedMidImport = killedMidImport || leftStaging
                if leftStaging {
                    // zarr-python sees the committed recordings only: no staging group, no lock file.
                    let members = try ProcessRunner.run(try PythonReference.interpreter(), [
                        "-c", "import sys, zarr; print(' '.join(sorted(k for k, _ in zarr.open_group(sys.argv[1], mode='r').members())))", store,
                    ]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
                    #expect(members == before.compactMap { $0["id"]?.stringValue }.sorted().joined(separator: " "))
                }
            }
            if after.count > before.count { break }  // it finished before the kill: nothing to test at this delay
        }
        #expect(killedMidImport, "no kill landed during an import; the test proved nothing")
        // The next run imports the file (or finds it already complete).
        let result = try aimport(["import", "--store", store, "--json", big])
        let status = try JSONValue(parsing: Array(result.standardOutput.utf8)).arrayValue?.first?["status"]?.stringValue
        #expect(status == "imported" || status == "duplicate")
        #expect(try list(store).count == before.count + 1)
        // That import removed the staging the killed ones left (their pids are gone).
        let left = try stagingFolders(store)
        #expect(left.isEmpty, "\(left)")
    }
}

extension ArchiveCLITests {
    /// A 24-bit recording comes back as a 24-bit WAV at its own rate, equal to sox's trim of the source.
    @Test func extractKeepsBitDepthAndRate() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        let source = folder.path + "/deep.wav"
        try ProcessRunner.run(sox, ["-n", "-r", "96000", "-b", "24", "-c", "2", source, "synth", "1", "sine", "1000", "sine", "1500"])
        _ = try aimport(["import", "--store", store, source])
        let out = folder.path + "/part.wav"
        _ = try aimport(["extract", "--store", store, "0", "--start", "12345", "--end", "54321", "--output", out])
        let info = try ProcessRunner.run(ProcessRunner.which("soxi") ?? "/usr/bin/soxi", [out]).standardOutput
        #expect(info.contains("96000") && info.contains("24-bit") && info.contains("41976 samples"))
        let expected = folder.path + "/expected.raw", got = folder.path + "/got.raw"
        try ProcessRunner.run(sox, [source, "-t", "raw", expected, "trim", "12345s", "41976s"])
        try ProcessRunner.run(sox, [out, "-t", "raw", got])
        #expect(try Data(contentsOf: URL(fileURLWithPath: got)) == (try Data(contentsOf: URL(fileURLWithPath: expected))))

        // --ranges: several ranges in one run, concatenated in file order (raw 24-bit in int32 words).
        let rangesFile = folder.path + "/ranges.txt"
        try "50000 50100\n# a comment\n\n100 200\n".write(toFile: rangesFile, atomically: true, encoding: .utf8)
        let raw = folder.path + "/parts.raw"
        _ = try aimport(["extract", "--store", store, "0", "--ranges", rangesFile, "--format", "s32", "--output", raw])
        let parts = folder.path + "/expected-parts.raw"
        try ProcessRunner.run(sox, [source, "-t", "raw", "-e", "signed-integer", "-b", "32", parts, "trim", "50000s", "100s", ":", "restart"])
        let first = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw))).prefix(100 * 2 * 4)
        let expectedFirst = [UInt8](try Data(contentsOf: URL(fileURLWithPath: parts))).prefix(100 * 2 * 4)
        #expect(first.count == 800)
        #expect(Array(first) == Array(expectedFirst))
        #expect(try Data(contentsOf: URL(fileURLWithPath: raw)).count == 200 * 2 * 4)
    }

    /// Thousands of ranges (many windows of the streamed reading), from a file and from a
    /// pipe, come out as the recording's samples at each range in file order; the WAV's GUANO
    /// counts them all and lists the first 1,000 starts.
    @Test func manyRangesStreamInFileOrderFromAFileOrAPipe() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", source = folder.path + "/tone.wav"
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "8000", "-b", "16", "-c", "1", source, "synth", "2", "sine", "300-3000"])
        _ = try aimport(["import", "--store", store, source])
        let whole = folder.path + "/whole.raw"
        try ProcessRunner.run(sox, [source, "-t", "raw", whole])
        let samples = [UInt8](try Data(contentsOf: URL(fileURLWithPath: whole)))
        var generator = SystemRandomNumberGenerator()
        let ranges = (0..<3_000).map { _ -> Range<Int> in
            let start = Int.random(in: 0..<15_990, using: &generator)
            return start..<start + Int.random(in: 0...10, using: &generator)
        }
        let rangesFile = folder.path + "/ranges.txt"
        try ranges.map { "\($0.lowerBound) \($0.upperBound)\n" }.joined().write(toFile: rangesFile, atomically: true, encoding: .utf8)
        let expected = ranges.flatMap { samples[$0.lowerBound * 2..<$0.upperBound * 2] }
        let raw = folder.path + "/many.raw"
        _ = try aimport(["extract", "--store", store, "0", "--ranges", rangesFile, "--workers", "2", "--output", raw])
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: raw))) == expected)
        let piped = folder.path + "/piped.wav"
        try ProcessRunner.run(ProcessRunner.which("bash") ?? "/bin/bash", ["-c", "\"$0\" extract --store \"$1\" 0 --ranges <(cat \"$2\") --output \"$3\"", Self.binary, store, rangesFile, piped])
        let fromPipe = folder.path + "/piped.raw"
        try ProcessRunner.run(sox, [piped, "-t", "raw", fromPipe])
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: fromPipe))) == expected)
        let header = String(decoding: try Data(contentsOf: URL(fileURLWithPath: piped)).prefix(20_000), as: UTF8.self)
        #expect(header.contains("zarrwlr|Ranges: 3000"))
        let starts = header.firstMatch(of: /zarrwlr\|First Sample: ([0-9,.]*)/)?.1.split(separator: ",")
        #expect(starts?.count == 1_001 && starts?.last == "...")
        #expect(starts?.prefix(1_000).map { Int($0) } == ranges.prefix(1_000).map(\.lowerBound))
    }

    /// A range several runs long (the extraction holds one run per worker, not the range) comes
    /// out as sox's samples of the source, to a file and to stdout, with 1 and 3 workers; with
    /// no range, the whole recording does.
    @Test func aRangeLongerThanARunComesOutWhole() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr", source = folder.path + "/sweep.wav"
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "16000", "-b", "16", "-c", "2", source, "synth", "41", "sine", "100-7000", "sine", "50"])
        _ = try aimport(["import", "--store", store, source])
        let whole = folder.path + "/whole.raw"
        try ProcessRunner.run(sox, [source, "-t", "raw", whole])
        let samples = [UInt8](try Data(contentsOf: URL(fileURLWithPath: whole)))
        let range = 7..<655_993
        #expect(range.count > 2 * Int(SampleRuns.standardLength))
        let expected = Array(samples[range.lowerBound * 4..<range.upperBound * 4])
        for workers in ["1", "3"] {
            let wav = folder.path + "/long-\(workers).wav", raw = folder.path + "/long-\(workers).raw"
            _ = try aimport(["extract", "--store", store, "0", "--start", "\(range.lowerBound)", "--end", "\(range.upperBound)", "--workers", workers, "--output", wav])
            try ProcessRunner.run(sox, [wav, "-t", "raw", raw])
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: raw))) == expected)
            let piped = folder.path + "/piped-\(workers).raw"
            try ProcessRunner.run(ProcessRunner.which("bash") ?? "/bin/bash", [
                "-c", "\"$0\" extract --store \"$1\" 0 --start $2 --end $3 --workers $4 --output - > \"$5\"",
                Self.binary, store, "\(range.lowerBound)", "\(range.upperBound)", workers, piped])
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: piped))) == expected)
        }
        // No range: the whole recording.
        let everything = folder.path + "/all.wav", wholeRaw = folder.path + "/all.raw"
        _ = try aimport(["extract", "--store", store, "0", "--output", everything])
        try ProcessRunner.run(sox, [everything, "-t", "raw", wholeRaw])
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: wholeRaw))) == samples)
        let partial = ProcessRunner.outcome(Self.binary, ["extract", "--store", store, "0", "--start", "5", "--output", folder.path + "/half.wav"])
        #expect(partial.status == 64 && partial.standardError.contains("--start and --end"))
    }

    @Test func opusPredictionIsRecordedAndBothEncodingsExtract() throws {
        let folder = TemporaryFolder()
        let source = folder.path + "/tone.wav"
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", ["-n", "-r", "48000", "-b", "16", "-c", "1", source, "synth", "3", "sawtooth", "110"])
        for (flags, predicted) in [([String](), false), (["--opus-prediction"], true)] {
            let store = folder.path + "/\(predicted).zarr"
            _ = try aimport(["import", "--store", store, "--codec", "opus"] + flags + [source])
            let info = try JSONValue(parsing: Array(try aimport(["info", "--store", store, "0"]).standardOutput.utf8))
            #expect(info["encoding"]?["inter_frame_prediction"] == .bool(predicted))
            #expect(info["encoding"]?["coding_mode"] == "celt_only")
            let out = folder.path + "/\(predicted).raw"
            _ = try aimport(["extract", "--store", store, "0", "--start", "100000", "--end", "124000", "--format", "s16", "--output", out])
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count == 24_000 * 2)
        }
    }
}

extension ArchiveCLITests {
    /// verify and export notice a damaged blob; export of an intact 1:1 copy is the original file.
    @Test func verifyAndExportCatchDamage() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let original = Fixtures.path("multich_pyflac_surround_6ch.flac")
        _ = try aimport(["import", "--store", store, original])
        let exported = folder.path + "/out.flac"
        _ = try aimport(["export", "--store", store, "0", "--output", exported])
        #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == (try Data(contentsOf: URL(fileURLWithPath: original))))
        #expect(try aimport(["verify", "--store", store]).standardOutput.contains("recording 0: ok"))
        #expect(try aimport(["info", "--store", store, "0"]).standardOutput.contains("\"container\": \"FLAC\""))

        // Flip one byte in the middle of the shard file that holds the audio.
        let shard = store + "/0/audio_data_blob_array/c/0"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shard)))
        bytes[30_000] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: shard))
        let verify = #expect(throws: ProcessRunner.Failure.self) { try aimport(["verify", "--store", store]) }
        #expect(verify?.result.status == 65)
        #expect(verify?.result.standardOutput.contains("recording 0: DAMAGED") == true)
        let export = #expect(throws: ProcessRunner.Failure.self) { try aimport(["export", "--store", store, "0", "--output", exported, "--force"]) }
        #expect(export?.result.status == 65)
    }
}

extension ArchiveCLITests {
    @Test func badStoresAndCutOffFilesAreReportedClearly() throws {
        let folder = TemporaryFolder()
        // A header claiming 2 s of a file that holds 0.5 s: imported as far as it goes, and said so.
        let store = folder.path + "/a.zarr"
        let cut = try #require(try? ProcessRunner.run(Self.binary, ["import", "--store", store, Fixtures.path("20250416_010000_truncated.WAV")]))
        #expect(cut.standardError.contains("the header declares 1536000 bytes of audio but the file holds 384000"))
        let listed = try list(store)
        #expect(listed.first?["total_samples"] == 192_000)
        #expect(listed.first?["import_warnings"]?.arrayValue?.count == 1)
        #expect(listed.first?["start_time"]?["source"] == "audiomoth_comment")
        // AIFF and Wave64 files cut off the same way were imported in part without a word.
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        for kind in ["aiff", "w64"] {
            let whole = folder.path + "/whole.\(kind)", cutOff = folder.path + "/cut.\(kind)"
            try ProcessRunner.run(sox, ["-R", "-n", "-r", "16000", "-b", "16", "-c", "1", whole, "synth", "2", "pinknoise", "vol", "0.3"])
            try Data(try Data(contentsOf: URL(fileURLWithPath: whole)).prefix(16_000)).write(to: URL(fileURLWithPath: cutOff))
            let result = ProcessRunner.outcome(Self.binary, ["import", "--store", folder.path + "/\(kind).zarr", cutOff, whole])
            #expect(result.status == 0 && result.standardError.contains("cut.\(kind): the header declares 64000 bytes of audio but the file holds"), "\(result.standardError)")
            #expect(!result.standardError.contains("whole.\(kind)"), "\(result.standardError)")
        }

        // A store below a file cannot be created; a Zarr group that is not an archive is refused.
        let unwritable = #expect(throws: ProcessRunner.Failure.self) {
            try aimport(["import", "--store", Fixtures.path("README.md") + "/store", Fixtures.path("bird_sonicpi_misc_crow.flac")])
        }
        #expect(unwritable?.result.status == 73)
        let other = folder.path + "/other.zarr"
        let group = try ZarrGroup.create(in: FilesystemStore(root: other))
        _ = try group.createArray("x", metadata: ArrayMetadata(shape: [3], dataType: .int8, chunkShape: [3]))
        let notArchive = #expect(throws: ProcessRunner.Failure.self) {
            try aimport(["import", "--store", other, Fixtures.path("bird_sonicpi_misc_crow.flac")])
        }
        #expect(notArchive?.result.status == 65)
        #expect(notArchive?.result.standardError.contains("not an audio archive") == true)
        let missing = #expect(throws: ProcessRunner.Failure.self) { try aimport(["list", "--store", folder.path + "/none.zarr"]) }
        #expect(missing?.result.status == 66)
    }
}

extension ArchiveCLITests {
    /// An AAC m4a (libsndfile cannot read it) goes through ffmpeg; the stored samples are
    /// ffmpeg's own 16-bit decode, and the recording describes the m4a.
    @Test func inputsLibsndfileCannotReadGoThroughFFmpeg() throws {
        let folder = TemporaryFolder()
        let ffmpeg = ProcessRunner.which("ffmpeg") ?? "/usr/bin/ffmpeg"
        let m4a = folder.path + "/call.m4a"
        try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=3000:duration=1:sample_rate=48000", "-c:a", "aac", m4a])
        let store = folder.path + "/a.zarr"
        _ = try aimport(["import", "--store", store, m4a])
        let info = try JSONValue(parsing: Array(try aimport(["info", "--store", store, "0"]).standardOutput.utf8))
        let sha = String(try ProcessRunner.run("/usr/bin/sha256sum", [m4a]).standardOutput.prefix(64))
        #expect(info["source"]?["file_name"] == "call.m4a")
        #expect(info["source"]?["sha256"] == .string(sha))
        #expect(info["source"]?["container"]?.stringValue?.contains("aac") == true)
        let reference = folder.path + "/reference.raw", extracted = folder.path + "/extracted.raw"
        try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", m4a, "-f", "s16le", "-c:a", "pcm_s16le", reference])
        let total = try #require(info["total_samples"]?.intValue)
        _ = try aimport(["extract", "--store", store, "0", "--start", "0", "--end", String(total), "--output", extracted])
        #expect(try Data(contentsOf: URL(fileURLWithPath: extracted)) == (try Data(contentsOf: URL(fileURLWithPath: reference))))
    }
}

extension ArchiveCLITests {
    /// PCM and lossless codecs that only ffmpeg reads keep their samples exactly (32-bit integers
    /// were cut to 24 bits, 32-bit floats quantised to 16, with exit 0): each extraction equals
    /// ffmpeg's own decode at the file's sample format; floats are refused by FLAC and kept by
    /// WavPack, as for a float WAV; 64-bit samples, which no codec here keeps, are refused, and
    /// so is a file of several audio streams.
    @Test func losslessInputsThroughFFmpegKeepEveryBit() throws {
        let folder = TemporaryFolder()
        let ffmpeg = ProcessRunner.which("ffmpeg") ?? "/usr/bin/ffmpeg", sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        let store = folder.path + "/a.zarr"
        func matroska(_ name: String, encoding: [String], sampleCodec: String) throws -> String {
            let wav = folder.path + "/\(name).wav", mkv = folder.path + "/\(name).mkv"
            try ProcessRunner.run(sox, ["-n", "-r", "48000"] + encoding + ["-c", "1", wav, "synth", "0.5", "pinknoise", "vol", "0.5"])
            try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", wav, "-c:a", sampleCodec, mkv])
            return mkv
        }
        /// The file's samples as ffmpeg decodes them, in `format` (s32le, f32le), and as extracted.
        func decodes(_ file: String, id: String, format: String) throws -> (reference: Data, extracted: Data) {
            let reference = folder.path + "/\(id).ref", extracted = folder.path + "/\(id).wav", raw = folder.path + "/\(id).raw"
            try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", file, "-f", format, reference])
            _ = try aimport(["extract", "--store", store, id, "--output", extracted])
            try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", extracted, "-f", format, raw])
            return (try Data(contentsOf: URL(fileURLWithPath: reference)), try Data(contentsOf: URL(fileURLWithPath: raw)))
        }

        let integers = try matroska("int32", encoding: ["-b", "32", "-e", "signed"], sampleCodec: "pcm_s32le")
        _ = try aimport(["import", "--store", store, integers])
        let (reference, extracted) = try decodes(integers, id: "0", format: "s32le")
        // The low byte of each sample is used: a 24-bit store could not hold them.
        #expect(stride(from: 0, to: reference.count, by: 4).contains { reference[$0] != 0 })
        #expect(reference.count == 96_000 && extracted == reference)

        let floats = try matroska("float32", encoding: ["-b", "32", "-e", "floating-point"], sampleCodec: "pcm_f32le")
        let refusedByFLAC = ProcessRunner.outcome(Self.binary, ["import", "--store", store, floats])
        #expect(refusedByFLAC.status == 65 && refusedByFLAC.standardError.contains("float32.mkv: 32 bit float samples: FLAC stores integers only"), "\(refusedByFLAC.standardError)")
        _ = try aimport(["import", "--store", store, "--codec", "wavpack", floats])
        let (floatReference, floatExtracted) = try decodes(floats, id: "1", format: "f32le")
        #expect(floatReference.count == 96_000 && floatExtracted == floatReference)

        let doubles = try matroska("float64", encoding: ["-b", "64", "-e", "floating-point"], sampleCodec: "pcm_f64le")
        let refused = ProcessRunner.outcome(Self.binary, ["import", "--store", store, "--codec", "wavpack", doubles])
        #expect(refused.status == 65 && refused.standardError.contains("float64.mkv: its pcm_f64le samples are 64-bit"), "\(refused.standardError)")
        let doubleWAV = ProcessRunner.outcome(Self.binary, ["import", "--store", store, "--codec", "wavpack", folder.path + "/float64.wav"])
        #expect(doubleWAV.status == 65 && doubleWAV.standardError.contains("64-bit float samples: WavPack keeps 32-bit floats"), "\(doubleWAV.standardError)")
        #expect(try list(store).count == 2)

        // A file of two audio streams: the first alone was imported (ffmpeg's -map 0:a:0), exit 0.
        let twoStreams = folder.path + "/two.mkv"
        try ProcessRunner.run(ffmpeg, ["-v", "error", "-y", "-i", integers, "-i", floats, "-map", "0:a", "-map", "1:a", "-c", "copy", twoStreams])
        let refusedTwo = ProcessRunner.outcome(Self.binary, ["import", "--store", store, "--codec", "wavpack", twoStreams])
        #expect(refusedTwo.status == 65 && refusedTwo.standardError.contains("2 audio streams"), "\(refusedTwo.standardError)")
        #expect(try list(store).count == 2)
    }
}

extension ArchiveCLITests {
    /// A WavPack file imported with another codec (libsndfile does not read WavPack; it was
    /// refused as "not readable as audio") is libwavpack's decode, equal to wvunpack's; a hybrid
    /// (lossy) file, which only WavPack keeps, is refused.
    @Test func aWavPackFileImportedWithAnotherCodecIsLibwavpacksDecode() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox", wavpack = ProcessRunner.which("wavpack") ?? "/usr/bin/wavpack"
        let store = folder.path + "/a.zarr", wav = folder.path + "/s24.wav", wv = folder.path + "/s24.wv", hybrid = folder.path + "/hybrid.wv"
        try ProcessRunner.run(sox, ["-n", "-r", "96000", "-b", "24", "-c", "2", wav, "synth", "1", "pinknoise", "vol", "0.5"])
        try ProcessRunner.run(wavpack, ["-q", "-y", wav, "-o", wv])
        try ProcessRunner.run(wavpack, ["-q", "-y", "-b3", wav, "-o", hybrid])
        _ = try aimport(["import", "--store", store, "--codec", "flac", wv])
        let info = try JSONValue(parsing: Array(try aimport(["info", "--store", store, "0"]).standardOutput.utf8))
        #expect(info["codec"] == "flac" && info["bits_per_sample"] == 24 && info["source"]?["decoded_by"] == "libwavpack", "\(info)")
        let extracted = folder.path + "/e.wav", reference = folder.path + "/r.wav"
        _ = try aimport(["extract", "--store", store, "0", "--output", extracted])
        try ProcessRunner.run(ProcessRunner.which("wvunpack") ?? "/usr/bin/wvunpack", ["-q", "-y", wv, "-o", reference])
        let (ours, theirs) = (folder.path + "/e.raw", folder.path + "/r.raw")
        try ProcessRunner.run(sox, [extracted, "-t", "raw", ours])
        try ProcessRunner.run(sox, [reference, "-t", "raw", theirs])
        let expected = try Data(contentsOf: URL(fileURLWithPath: theirs)), got = try Data(contentsOf: URL(fileURLWithPath: ours))
        #expect(expected.count == 96_000 * 2 * 3 && got == expected)

        let refused = ProcessRunner.outcome(Self.binary, ["import", "--store", store, "--codec", "flac", hybrid])
        #expect(refused.status == 65 && refused.standardError.contains("hybrid.wv: a hybrid (lossy) WavPack file"), "\(refused.standardError)")
        #expect(try list(store).count == 1)
    }
}

extension ArchiveCLITests {
    /// 16 channels in FLAC (at most 8 per stream) are stored as two channel groups and extracted
    /// as one interleaved stream, equal to the source.
    @Test func moreChannelsThanTheCodecTakesAreStoredAsGroups() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        let source = folder.path + "/array16.wav"
        try ProcessRunner.run(sox, ["-n", "-r", "48000", "-b", "24", "-c", "16", source, "synth", "0.5", "sine", "300-3000", "sine", "500"])
        let store = folder.path + "/a.zarr"
        let result = try aimport(["import", "--store", store, source])
        #expect(result.standardError.contains("16 channels stored as 2 channel groups"))
        let info = try JSONValue(parsing: Array(try aimport(["info", "--store", store, "0"]).standardOutput.utf8))
        #expect(info["channels"] == 16)
        #expect(info["channel_groups"]?.arrayValue?.count == 2)
        #expect(info["source"]?["file_name"] == "array16.wav")
        let out = folder.path + "/part.wav", expected = folder.path + "/expected.raw", got = folder.path + "/got.raw"
        _ = try aimport(["extract", "--store", store, "0", "--start", "1234", "--end", "20000", "--output", out])
        try ProcessRunner.run(sox, [source, "-t", "raw", expected, "trim", "1234s", "18766s"])
        try ProcessRunner.run(sox, [out, "-t", "raw", got])
        #expect(try Data(contentsOf: URL(fileURLWithPath: got)) == (try Data(contentsOf: URL(fileURLWithPath: expected))))
        #expect(try aimport(["verify", "--store", store]).standardOutput.contains("recording 0: ok"))
    }
}

extension ArchiveCLITests {
    /// Several archives in one store (--at), and what the recording records of its source.
    @Test func archivesInOneStoreAndSourceFacts() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/a.zarr"
        let inputs = try wavs(3, in: folder)
        let tagged = folder.path + "/tagged.flac"
        try ProcessRunner.run(ProcessRunner.which("flac") ?? "/usr/bin/flac", ["-s", "-f", "-T", "TITLE=Dawn chorus", "-T", "ARTIST=Plot 7", "-o", tagged, inputs[2]])
        _ = try aimport(["import", "--store", store, "--group", "site_a", inputs[0], tagged])
        _ = try aimport(["import", "--store", store, "--group", "site_b", inputs[1]])
        let a = try JSONValue(parsing: Array(try aimport(["list", "--store", store, "--group", "site_a", "--json"]).standardOutput.utf8)).arrayValue ?? []
        let b = try JSONValue(parsing: Array(try aimport(["list", "--store", store, "--group", "site_b", "--json"]).standardOutput.utf8)).arrayValue ?? []
        #expect(a.map { $0["source"]?["file_name"] } == ["input-0.wav", "tagged.flac"])
        #expect(b.map { $0["source"]?["file_name"] } == ["input-1.wav"])
        #expect(a[1]["source"]?["tags"]?["title"] == "Dawn chorus")
        #expect(a[1]["source"]?["tags"]?["artist"] == "Plot 7")
        let mtime = try #require(a[0]["source"]?["mtime"]?.stringValue)
        // The input's own modification time, to the second (the text keeps whole seconds).
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: inputs[0])[.modificationDate] as? Date)
        let stated = try #require(ISO8601DateFormatter().date(from: mtime))
        #expect(abs(stated.timeIntervalSince(modified)) < 1)
    }
}

extension ArchiveCLITests {
    /// 720 channels, every one different: FLAC (90 groups of 8) gives them back bit-exact and in
    /// order; Opus (255 + 255 + 210) gives each channel back at its own level.
    /// `--channels` keeps the channels named, in that order, for every output format.
    @Test func extractSelectsChannels() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        let wav = folder.path + "/four.wav"
        try ProcessRunner.run(sox, ["-R", "-n", "-r", "16000", "-b", "16", "-c", "4", wav, "synth", "1", "sine", "300", "sine", "600", "sine", "900", "whitenoise"])
        let store = folder.path + "/a.zarr"
        _ = try aimport(["import", "--store", store, wav])
        let raw = folder.path + "/picked.raw"
        _ = try aimport(["extract", "--store", store, "0", "--start", "0", "--end", "16000", "--channels", "3,0", "--output", raw])
        let reference = folder.path + "/reference.raw"
        try ProcessRunner.run(sox, [wav, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", reference, "remix", "4", "1"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: raw)) == Data(contentsOf: URL(fileURLWithPath: reference)))
        let picked = folder.path + "/picked.wav"
        _ = try aimport(["extract", "--store", store, "0", "--start", "0", "--end", "16000", "--channels", "2", "--output", picked])
        #expect(try ProcessRunner.run(sox, ["--i", "-c", picked]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        let bad = #expect(throws: ProcessRunner.Failure.self) {
            try aimport(["extract", "--store", store, "0", "--start", "0", "--end", "10", "--channels", "4", "--output", raw])
        }
        #expect(bad?.result.status == 64)
    }

    /// Symbolic links are followed for size and mtime, linked folders are walked, link loops end,
    /// hidden and AppleDouble files are skipped.
    @Test func symlinkedFilesAndFoldersAreFollowed() throws {
        let folder = TemporaryFolder()
        let real = folder.path + "/real", top = folder.path + "/top"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: top + "/sub", withIntermediateDirectories: true)
        let inputs = try wavs(2, in: folder)
        try FileManager.default.moveItem(atPath: inputs[0], toPath: real + "/a.wav")
        try FileManager.default.moveItem(atPath: inputs[1], toPath: top + "/sub/b.wav")
        let old = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: real + "/a.wav")
        try FileManager.default.createSymbolicLink(atPath: top + "/linked", withDestinationPath: real)
        try FileManager.default.createSymbolicLink(atPath: top + "/sub/loop", withDestinationPath: top)
        try FileManager.default.createSymbolicLink(atPath: top + "/c.wav", withDestinationPath: real + "/a.wav")
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: top + "/._b.wav"))
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: top + "/.hidden.wav"))
        let store = folder.path + "/a.zarr"
        let output = try aimport(["import", "--store", store, "--json", top]).standardOutput
        let results = try JSONValue(parsing: Array(output.utf8)).arrayValue ?? []
        // c.wav and linked/a.wav are the same file: one import, one duplicate; sub/b.wav once (the loop is walked once).
        #expect(results.map { $0["status"]?.stringValue } == ["imported", "duplicate", "imported"])
        let listed = try list(store)
        #expect(listed.count == 2)
        for recording in listed {
            #expect(recording["import_warnings"] == nil)
        }
        // Each keeps where it lay from the imported folder on (its own name first), and its absolute path.
        #expect(Set(listed.compactMap { $0["source"]?["relative_path"]?.stringValue }) == ["top/c.wav", "top/sub/b.wav"])
        #expect(listed.allSatisfy { $0["source"]?["absolute_path"]?.stringValue?.hasPrefix(top) == true })
        let linked = listed.first { $0["source"]?["file_name"] == "c.wav" }
        #expect(linked?["source"]?["mtime"] == "2023-11-14T22:13:20Z")
        #expect(linked?["source"]?["size_bytes"]?.intValue == (try FileManager.default.attributesOfItem(atPath: real + "/a.wav")[.size] as? Int))
    }

    @Test func sevenHundredTwentyChannels() throws {
        let folder = TemporaryFolder()
        let channels = 720, frames = 800, rate = 8000
        let wav = folder.path + "/array720.wav"
        var samples = [Int16](repeating: 0, count: channels * frames)
        for f in 0..<frames {
            for c in 0..<channels {
                // Channel c: a 100 Hz tone whose amplitude grows with c, plus a per-channel offset.
                samples[f * channels + c] = Int16(Double(20 + c * 40) * sin(2 * .pi * 100 * Double(f) / Double(rate))) + Int16(c)
            }
        }
        var data = Data()
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); le(UInt32(36 + samples.count * 2)); data.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16)); le(UInt16(1)); le(UInt16(channels)); le(UInt32(rate)); le(UInt32(rate * channels * 2)); le(UInt16(channels * 2)); le(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); le(UInt32(samples.count * 2))
        samples.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: URL(fileURLWithPath: wav))

        let flacStore = folder.path + "/flac.zarr"
        _ = try aimport(["import", "--store", flacStore, wav])
        let flacInfo = try JSONValue(parsing: Array(try aimport(["info", "--store", flacStore, "0"]).standardOutput.utf8))
        #expect(flacInfo["channel_groups"]?.arrayValue?.count == 90)
        let flacOut = folder.path + "/flac.raw"
        _ = try aimport(["extract", "--store", flacStore, "0", "--start", "0", "--end", String(frames), "--output", flacOut])
        let extracted = try Data(contentsOf: URL(fileURLWithPath: flacOut)).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(extracted == samples)

        let opusStore = folder.path + "/opus.zarr"
        _ = try aimport(["import", "--store", opusStore, "--codec", "opus", wav])
        let opusInfo = try JSONValue(parsing: Array(try aimport(["info", "--store", opusStore, "0"]).standardOutput.utf8))
        #expect(opusInfo["channel_groups"]?.arrayValue?.compactMap { $0["channels"]?.intValue } == [255, 255, 210])
        let opusOut = folder.path + "/opus.raw"
        _ = try aimport(["extract", "--store", opusStore, "0", "--start", "0", "--end", String(frames), "--format", "f32", "--output", opusOut])
        let decoded = try Data(contentsOf: URL(fileURLWithPath: opusOut)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(decoded.count == samples.count)
        // Each channel comes back at its own level; a group interleaved at the wrong channels would be
        // off by 255 channels' worth of level (adjacent channels differ too little to tell apart).
        func rms(_ values: [Float], channel: Int) -> Double {
            (stride(from: channel, to: values.count, by: channels).reduce(0.0) { $0 + Double($1) * Double($1) } / Double(frames)).squareRoot()
        }
        let source = samples.map { Float($0) / 32768 }
        for channel in [0, 1, 254, 255, 256, 509, 510, 719] {
            let want = rms(source, channel: channel), got = rms(decoded, channel: channel)
            #expect(abs(got - want) < 0.25 * want, "channel \(channel): \(got) vs \(want)")
        }
    }
}

extension Array {
    fileprivate func rotated(by k: Int) -> [Element] {
        guard !isEmpty else { return self }
        let shift = k % count
        return Array(self[shift...] + self[..<shift])
    }
}
