import ZarrwlrArchive
import AudioInput
import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrStore

/// Wall-clock extraction across recordings, time-filtered listing, snippet provenance, delete
/// and set, through the built `aimport` binary; samples compared with libsndfile's decode of
/// the sources.
@Suite(.serialized) struct TimeAndEditingCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"
    static let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"

    private func run(_ arguments: [String]) -> ProcessRunner.Result {
        ProcessRunner.outcome(Self.binary, arguments)
    }

    private func samples(_ path: String) throws -> [Int32] {
        let reader = try PCMFileReader(path: path)
        var all: [Int32] = [], piece: [Int32] = []
        while try reader.read(maxFrames: 65_536, into: &piece) > 0 { all += piece }
        return all
    }

    /// A noise WAV of `seconds` at 48 kHz, 16 bits (a distinct seed per file).
    private func noise(_ path: String, seconds: Int, seed: Int, rate: Int = 48_000) throws {
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", String(rate), "-b", "16", "-c", "1", path, "synth", String(seconds), "whitenoise", "vol", "0.\(seed % 9 + 1)"])
    }

    private func importFile(_ store: String, _ file: String, start: String, meta: String? = nil) throws {
        var arguments = ["import", "--store", store, "--start-time", start, file]
        if let meta { arguments += ["--meta", meta] }
        let result = run(arguments)
        #expect(result.status == 0, "\(result.standardError)")
    }

    @Test func spansStitchRecordingsSampleExactlyAndRefuseGaps() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/s.zarr"
        let (a, b, c) = (folder.path + "/a.wav", folder.path + "/b.wav", folder.path + "/c.wav")
        try noise(a, seconds: 10, seed: 1)
        try noise(b, seconds: 10, seed: 2)
        try noise(c, seconds: 5, seed: 3)
        try importFile(store, a, start: "2025-04-16T04:30:00Z")
        try importFile(store, b, start: "2025-04-16T06:30:10+02:00")  // right after a, written in another zone
        try importFile(store, c, start: "2025-04-16T04:30:25Z")       // 5 s after b ends
        let (sa, sb, sc) = (try samples(a), try samples(b), try samples(c))

        let out = folder.path + "/span.wav"
        let stitched = run(["extract", "--store", store, "--at", "2025-04-16T04:30:08.5Z", "--duration", "3", "--output", out])
        #expect(stitched.status == 0, "\(stitched.standardError)")
        #expect(try samples(out) == Array(sa[408_000...]) + Array(sb[..<72_000]))

        // Fractional instants with an offset land on the right sample.
        let shifted = run(["extract", "--store", store, "--at", "2025-04-16T06:30:12.25+02:00", "--duration", "0.5", "--output", out, "--force"])
        #expect(shifted.status == 0)
        #expect(try samples(out) == Array(sb[108_000..<132_000]))

        let gap = run(["extract", "--store", store, "--at", "2025-04-16T04:30:18Z", "--duration", "10", "--output", out])
        #expect(gap.status == 64)
        #expect(gap.standardError.contains("2025-04-16T04:30:20Z") && gap.standardError.contains("5.000 s"), "\(gap.standardError)")
        let filled = run(["extract", "--store", store, "--at", "2025-04-16T04:30:18Z", "--duration", "10", "--fill-gaps", "--output", out, "--force"])
        #expect(filled.status == 0)
        #expect(filled.standardError.contains("filled with zeros"))
        #expect(try samples(out) == Array(sb[384_000...]) + [Int32](repeating: 0, count: 240_000) + Array(sc[..<144_000]))

        let nothing = run(["extract", "--store", store, "--at", "2024-01-01T00:00:00Z", "--duration", "1", "--output", out])
        #expect(nothing.status == 64)
        #expect(nothing.standardError.contains("no recording"))
        let naive = run(["extract", "--store", store, "--at", "2025-04-16T04:30:00", "--duration", "1", "--output", out])
        #expect(naive.status == 64)

        // Listing by time: recordings with samples in the span.
        let listed = run(["list", "--store", store, "--since", "2025-04-16T04:30:09Z", "--until", "2025-04-16T04:30:12Z", "--json"])
        let ids = (try JSONValue(parsing: Array(listed.standardOutput.utf8)).arrayValue ?? []).compactMap { $0["id"]?.stringValue }
        #expect(ids == ["0", "1"])
        let late = run(["list", "--store", store, "--since", "2025-04-16T04:30:21Z"])
        #expect(late.standardOutput.split(separator: "\n").count == 2)  // header and recording 2
        #expect(late.standardOutput.contains("c.wav"))
        #expect(run(["list", "--store", store, "--since", "yesterday"]).status == 64)
    }

    @Test func devicesAndRatesAreNeverMixed() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/s.zarr"
        let (a, b, c) = (folder.path + "/a.wav", folder.path + "/b.wav", folder.path + "/c.wav")
        try noise(a, seconds: 4, seed: 4)
        try noise(b, seconds: 4, seed: 5)
        try noise(c, seconds: 4, seed: 6, rate: 96_000)
        try importFile(store, a, start: "2025-04-16T05:00:00Z", meta: #"{"device": "north"}"#)
        try importFile(store, b, start: "2025-04-16T05:00:01Z", meta: #"{"device": "south"}"#)
        try importFile(store, c, start: "2025-04-16T05:00:02Z", meta: #"{"device": "west"}"#)
        let out = folder.path + "/x.wav"
        let both = run(["extract", "--store", store, "--at", "2025-04-16T05:00:01.5Z", "--duration", "0.2", "--output", out])
        #expect(both.status == 64)
        #expect(both.standardError.contains("north") && both.standardError.contains("south"), "\(both.standardError)")
        let south = run(["extract", "--store", store, "--at", "2025-04-16T05:00:01.5Z", "--duration", "0.2", "--device", "south", "--output", out])
        #expect(south.status == 0)
        #expect(try samples(out) == Array(try samples(b)[24_000..<33_600]))
        let rates = run(["extract", "--store", store, "--at", "2025-04-16T05:00:02.5Z", "--duration", "0.2", "--output", out])
        #expect(rates.status == 64)
        #expect(rates.standardError.contains("sample rate"))
    }

    @Test func snippetsCarryGUANOAndFLACTags() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/s.zarr"
        let a = folder.path + "/20250416_043000.wav"
        try noise(a, seconds: 3, seed: 7)
        try importFile(store, a, start: "2025-04-16T06:30:00+02:00", meta: #"{"device": "mic-7"}"#)
        let wav = folder.path + "/snippet.wav"
        #expect(run(["extract", "--store", store, "0", "--from", "1.25", "--duration", "1", "--output", wav]).status == 0)
        let guano = try Self.guano(in: wav)
        #expect(guano["Timestamp"] == "2025-04-16T06:30:01.250000+02:00")
        #expect(guano["zarrwlr|Recording"] == "0")
        #expect(guano["zarrwlr|First Sample"] == "60000")
        #expect(guano["Original Filename"] == "20250416_043000.wav")
        #expect(guano["Samplerate"] == "48000")
        #expect(guano["Length"] == "1.000000")
        #expect(guano["Serial"] == "mic-7")
        #expect(try samples(wav) == Array(try samples(a)[60_000..<108_000]))  // the chunk changes no sample

        // Several ranges in one file: no Timestamp (time does not run on across them), every start named.
        let rangesFile = folder.path + "/ranges.txt"
        try "96000 100000\n120000 121000\n".write(toFile: rangesFile, atomically: true, encoding: .utf8)
        let joined = folder.path + "/joined.wav"
        #expect(run(["extract", "--store", store, "0", "--ranges", rangesFile, "--output", joined]).status == 0)
        let joinedGUANO = try Self.guano(in: joined)
        #expect(joinedGUANO["Timestamp"] == nil)
        #expect(joinedGUANO["zarrwlr|First Sample"] == "96000,120000")
        #expect(joinedGUANO["zarrwlr|Ranges"] == "2")
        #expect(joinedGUANO["Length"] == "0.104167")

        let flac = folder.path + "/snippet.flac"
        #expect(run(["extract", "--store", store, "0", "--start", "96000", "--end", "100000", "--output", flac]).status == 0)
        let tags = try PCMFileReader(path: flac).tags
        #expect(tags["date"] == "2025-04-16T06:30:02+02:00")
        #expect(tags["comment"]?.contains("zarrwlr|First Sample: 96000") == true)
    }

    /// The guano package reads the GUANO chunk (its Timestamp parsed as a datetime) and soundfile
    /// reads the snippet's samples equal to the same range of the source.
    @Test func independentReadersAgree() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/s.zarr"
        let a = folder.path + "/a.wav", b = folder.path + "/b.wav"
        try noise(a, seconds: 2, seed: 5)
        try noise(b, seconds: 2, seed: 6)
        try importFile(store, a, start: "2025-04-16T06:30:00+02:00", meta: #"{"device": "mic-9"}"#)
        try importFile(store, b, start: "2025-04-16T04:30:02Z", meta: #"{"device": "mic-9"}"#)
        let script = PythonReference.packageRoot + "/Tests/ZarrwlrArchiveTests/snippet_reference.py"
        let single = folder.path + "/single.wav"
        #expect(run(["extract", "--store", store, "0", "--from", "0.3", "--duration", "0.7", "--output", single]).status == 0)
        var seen = try JSONValue(parsing: Array(try PythonReference.run(script: script, [single, a, "14400", "48000"]).standardOutput.utf8))
        #expect(seen["samples_equal"] == true)
        #expect(seen["timestamp_parsed"] == "2025-04-16T06:30:00.300000+02:00")
        #expect(seen["fields"]?["zarrwlr|Recording"] == "0")
        #expect(seen["fields"]?["zarrwlr|First Sample"] == "14400")
        #expect(seen["fields"]?["Serial"] == "mic-9")
        #expect(seen["fields"]?["Samplerate"] == "48000")
        // Across the two recordings: the first sample's instant, with the offset it was asked in.
        let span = folder.path + "/span.wav"
        #expect(run(["extract", "--store", store, "--at", "2025-04-16T04:30:01.5Z", "--duration", "1", "--output", span]).status == 0)
        seen = try JSONValue(parsing: Array(try PythonReference.run(script: script, [span, a, "72000", "96000"]).standardOutput.utf8))
        #expect(seen["timestamp_parsed"] == "2025-04-16T04:30:01.500000+00:00")
        #expect(seen["frames"]?.intValue == 48_000)
        #expect(seen["fields"]?["zarrwlr|Recording"] == "0,1")
    }

    /// `index` rebuilds while `set` and `delete` run in other processes: every change made
    /// during a rebuild is kept (none reverted from the rebuild's earlier read), each `set`
    /// appears once in the history, and a recording deleted during a rebuild stays deleted
    /// (no folder of it comes back as a damaged recording).
    @Test func indexRebuildsNeverUndoConcurrentChanges() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/s.zarr"
        let (a, b) = (folder.path + "/a.wav", folder.path + "/b.wav")
        try noise(a, seconds: 60, seed: 1)
        try noise(b, seconds: 60, seed: 2)
        try importFile(store, a, start: "2025-04-16T05:00:00Z")
        try importFile(store, b, start: "2025-04-16T06:00:00Z")
        let rounds = 4
        for round in 0..<rounds {
            let rebuild = try ProcessRunner.launch(Self.binary, ["index", "--store", store, "0"]).process
            usleep(UInt32(50_000 * round))
            #expect(run(["set", "--store", store, "0", "--meta", #"{"round": \#(round)}"#]).status == 0)
            rebuild.waitUntilExit()
            #expect(rebuild.terminationStatus == 0)
        }
        let info = try JSONValue(parsing: Array(run(["info", "--store", store, "0"]).standardOutput.utf8))
        #expect(info["metadata"]?["user"]?["round"]?.intValue == rounds - 1, "\(info["metadata"] ?? .null)")
        #expect(info["history"]?.arrayValue?.count == rounds)
        #expect(run(["verify", "--store", store, "0"]).status == 0)

        let rebuild = try ProcessRunner.launch(Self.binary, ["index", "--store", store, "1"]).process
        usleep(100_000)
        #expect(run(["delete", "--store", store, "1"]).status == 0)
        rebuild.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: store + "/1"), "the deleted recording came back")
        let listed = try JSONValue(parsing: Array(run(["list", "--store", store, "--json"]).standardOutput.utf8)).arrayValue ?? []
        #expect(listed.compactMap { $0["id"]?.stringValue } == ["0"])
        #expect(run(["verify", "--store", store]).status == 0)
    }

    @Test func deleteAndSetChangeOneRecordingAtomically() throws {
        let folder = TemporaryFolder()
        let store = folder.path + "/s.zarr"
        let (a, b) = (folder.path + "/a.wav", folder.path + "/b.wav")
        try noise(a, seconds: 1, seed: 1)
        try noise(b, seconds: 1, seed: 2)
        try importFile(store, a, start: "2025-04-16T05:00:00Z")
        try importFile(store, b, start: "2025-04-16T05:00:01Z")
        #expect(run(["delete", "--store", store, "1"]).status == 0)
        #expect(run(["delete", "--store", store, "1"]).status == 64)
        #expect(run(["delete", "--store", store, "x"]).status == 64)
        // The sha256 gate forgot it; its id is not reused.
        let again = run(["import", "--store", store, "--json", b])
        #expect(try JSONValue(parsing: Array(again.standardOutput.utf8)).arrayValue?.first?["id"] == "2")
        #expect(!FileManager.default.fileExists(atPath: store + "/1"))
        let trash = (try? FileManager.default.contentsOfDirectory(atPath: store + "/.zarrwlr/trash")) ?? []
        #expect(trash.isEmpty)

        #expect(run(["set", "--store", store, "0", "--start-time", "2025-04-16T07:00:00+02:00", "--meta", #"{"site": "B"}"#]).status == 0)
        #expect(run(["set", "--store", store, "0", "--start-time", "2025-04-16 07:00"]).status == 64)
        #expect(run(["set", "--store", store, "9", "--meta", "{}"]).status == 64)
        let info = try JSONValue(parsing: Array(run(["info", "--store", store, "0"]).standardOutput.utf8))
        #expect(info["start_time"]?["iso8601"] == "2025-04-16T07:00:00+02:00")
        #expect(info["metadata"]?["user"]?["site"] == "B")
        #expect(info["history"]?.arrayValue?.first?["start_time"]?["iso8601"] == "2025-04-16T05:00:00Z")
        // The other recording is untouched, and the changed start moves recording 0 in time.
        let other = try JSONValue(parsing: Array(run(["info", "--store", store, "2"]).standardOutput.utf8))
        #expect(other["history"] == nil)
        let span = run(["list", "--store", store, "--since", "2025-04-16T05:00:00.5Z", "--until", "2025-04-16T05:00:00.6Z", "--json"])
        #expect((try JSONValue(parsing: Array(span.standardOutput.utf8)).arrayValue ?? []).map { $0["id"] } == ["0"])
    }

    /// The fields of the GUANO chunk of a WAV file.
    static func guano(in path: String) throws -> [String: String] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if id == "guan" {
                let text = String(decoding: bytes[(offset + 8)..<min(bytes.count, offset + 8 + size)].prefix { $0 != 0 }, as: UTF8.self)
                var fields: [String: String] = [:]
                for line in text.split(separator: "\n") {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return fields
            }
            offset += 8 + size + size % 2
        }
        return [:]
    }
}

/// A short recording costs its stream plus a few KiB of metadata and index, not a padded
/// 256 KiB inner chunk; a long one is unchanged (shards of 8 MiB).
@Suite struct StorageCostTests {
    @Test(arguments: [(1, true), (1, false), (20, false)])
    func recordingCostsItsStreamPlusAFewKiB(_ seconds: Int, _ fromFLAC: Bool) async throws {
        let folder = TemporaryFolder()
        var file = folder.path + "/tone.wav"
        try ProcessRunner.run(ProcessRunner.which("sox") ?? "/usr/bin/sox", ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", file, "synth", String(seconds), "pinknoise", "vol", "0.3"])
        if fromFLAC {
            try ProcessRunner.run(ProcessRunner.which("flac") ?? "/usr/bin/flac", ["-s", "-f", file, "-o", folder.path + "/tone.flac"])
            file = folder.path + "/tone.flac"
        }
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/s.zarr")
        guard case .imported(let id, let report) = try await archive.importFile(file) else {
            Issue.record("not imported")
            return
        }
        let root = folder.path + "/s.zarr/" + id
        var bytes: Int64 = 0
        for path in FileManager.default.subpaths(atPath: root) ?? [] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + path)
            if attributes[.type] as? FileAttributeType == .typeRegular { bytes += (attributes[.size] as? Int64) ?? 0 }
        }
        #expect(bytes > report.blobBytes)
        #expect(bytes - report.blobBytes < 12 * 1024, "\(seconds) s: \(bytes) bytes for a \(report.blobBytes)-byte stream")
        let reader = try archive.reader(for: id)
        let whole = try reader.extract(0..<reader.totalSamples, as: .int32)
        #expect(whole.frameCount == seconds * 48_000)
        if fromFLAC {
            let exported = folder.path + "/back.flac"
            _ = try archive.export(id, to: exported)
            #expect(try Data(contentsOf: URL(fileURLWithPath: exported)) == Data(contentsOf: URL(fileURLWithPath: file)))
        }
    }
}

/// `import --jobs N` gives ids in the order the files were given, whatever finishes first.
@Suite struct ImportOrderCLITests {
    @Test func jobsAssignIDsInInputOrder() throws {
        let folder = TemporaryFolder()
        let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"
        var files: [String] = []
        // The first file is long, the later ones short: they finish first.
        for (n, seconds) in [(0, "12"), (1, "0.2"), (2, "0.1"), (3, "0.3"), (4, "0.1"), (5, "0.2")] {
            let path = folder.path + "/f\(n).wav"
            try ProcessRunner.run(sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", path, "synth", seconds, "sine", String(300 + 40 * n)])
            files.append(path)
        }
        let broken = folder.path + "/broken.wav"
        try Data("RIFF....WAVEjunk".utf8).write(to: URL(fileURLWithPath: broken))
        let inputs = [files[0], files[1], broken, files[2], files[1], files[3], files[4], files[5]]
        let store = folder.path + "/s.zarr"
        let result = ProcessRunner.outcome(TimeAndEditingCLITests.binary, ["import", "--store", store, "--jobs", "4", "--json"] + inputs)
        let outcomes = try JSONValue(parsing: Array(result.standardOutput.utf8)).arrayValue ?? []
        #expect(outcomes.map { $0["status"]?.stringValue ?? "" } == ["imported", "imported", "failed", "imported", "duplicate", "imported", "imported", "imported"])
        #expect(outcomes.map { $0["id"]?.stringValue ?? "-" } == ["0", "1", "-", "2", "1", "3", "4", "5"])
    }
}
