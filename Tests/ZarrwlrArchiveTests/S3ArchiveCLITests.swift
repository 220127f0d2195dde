import AudioInput
import Foundation
import ObjectStore
import Testing
import TestSupport
import ZarrStore

/// The archive on a real S3 server (SeaweedFS) through the built `aimport`: several importing
/// processes at once, a killed importer, refused credentials, and zarr-python 3 reading the
/// archive over S3.
@Suite(.serialized) struct S3ArchiveCLITests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"
    static let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"

    private func run(_ arguments: [String], environment: [String: String]? = S3TestServer.environment) -> (status: Int32, out: String, err: String) {
        let result = ProcessRunner.outcome(Self.binary, arguments, environment: environment)
        return (result.status, result.standardOutput, result.standardError)
    }

    private func store(_ url: String) throws -> S3Store? {
        guard let environment = S3TestServer.environment, let location = S3Location(url) else { return nil }
        return S3Store(location, client: try S3Client(environment: environment))
    }

    private func listed(_ url: String) throws -> [JSONValue] {
        try JSONValue(parsing: Array(run(["list", "--store", url, "--json"]).out.utf8)).arrayValue ?? []
    }

    private func zarrPython(_ url: String) throws -> JSONValue {
        guard let location = S3Location(url) else { return .null }
        let script = PythonReference.packageRoot + "/Tests/ZarrwlrArchiveTests/zarr_python_s3.py"
        let result = try ProcessRunner.run(try PythonReference.interpreter(), [script, location.bucket, location.prefix], environment: S3TestServer.environment)
        return try JSONValue(parsing: Array(result.standardOutput.utf8))
    }

    /// An `aimport import` of `file` running in the background (to be killed).
    private func startImporter(_ url: String, _ file: String, environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["import", "--store", url, file]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func sha256(_ path: String) throws -> String {
        try ProcessRunner.run("/usr/bin/sha256sum", [path]).standardOutput.split(separator: " ").first.map(String.init) ?? ""
    }

    /// 4 importer processes x 5 files of their own + 1 common file: 21 recordings, distinct ids,
    /// the common one once; zarr-python over S3 sees exactly them; extraction equals the same
    /// files in a local store, sample for sample.
    @Test func concurrentImportersGetDistinctIDsAndEachFileOnce() async throws {
        guard S3TestServer.environment != nil else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let common = folder.path + "/common.flac"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "44100", "-b", "24", "-c", "2", common, "synth", "0.5", "pinknoise", "vol", "0.3"])
        var sets: [[String]] = []
        for importer in 0..<4 {
            var files: [String] = []
            for n in 0..<5 {
                let path = folder.path + "/i\(importer)-\(n).wav"
                try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", path, "synth", "0.\(n + 2)", "sine", String(200 + 60 * n + 15 * importer)])
                files.append(path)
            }
            sets.append(importer % 2 == 0 ? [common] + files : files + [common])
        }
        let url = S3TestServer.freshLocation()
        let statuses = await withTaskGroup(of: Int32.self) { group in
            for files in sets { group.addTask { self.run(["import", "--store", url, "--json"] + files).status } }
            var all: [Int32] = []
            for await status in group { all.append(status) }
            return all
        }
        #expect(statuses == [0, 0, 0, 0])
        let recordings = try listed(url)
        let ids = recordings.compactMap { $0["id"]?.stringValue }
        #expect(ids.count == 21, "\(ids)")
        #expect(Set(ids).count == ids.count)
        let all = sets.flatMap { $0 }
        #expect(Set(recordings.compactMap { $0["source"]?["sha256"]?.stringValue }) == Set(try all.map(sha256)))
        #expect(recordings.filter { $0["source"]?["file_name"] == "common.flac" }.count == 1)
        let seen = try zarrPython(url)
        #expect(Set(seen["members"]?.objectValue?.keys.map { $0 } ?? []) == Set(ids))
        for recording in recordings where recording["encoding"]?["copied_verbatim"] == true {
            guard let id = recording["id"]?.stringValue else { continue }
            #expect(seen["members"]?[id]?["blob_sha256"] == recording["source"]?["sha256"])
        }
        // The same files in a folder archive: every extraction identical; export and verify work on S3.
        let local = folder.path + "/local.zarr"
        #expect(run(["import", "--store", local] + [common, sets[0][1]], environment: nil).status == 0)
        for (localID, name) in [("0", "common.flac"), ("1", "i0-0.wav")] {
            let s3ID = try #require(recordings.first { $0["source"]?["file_name"]?.stringValue == name }?["id"]?.stringValue)
            for (from, to) in [("0", "100"), ("1000", "9000"), ("5000", "9600")] {
                let a = folder.path + "/s3-\(name)-\(from).raw", b = folder.path + "/local-\(name)-\(from).raw"
                #expect(run(["extract", "--store", url, s3ID, "--start", from, "--end", to, "--output", a]).status == 0)
                #expect(run(["extract", "--store", local, localID, "--start", from, "--end", to, "--output", b], environment: nil).status == 0)
                #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)), "\(name) \(from)..<\(to)")
            }
            // Many ranges at once (each on a thread of its own from S3): the same bytes as from the folder.
            let ranges = folder.path + "/ranges-\(name).txt"
            try (0..<40).map { "\($0 * 211) \($0 * 211 + 300 + $0)" }.joined(separator: "\n").write(toFile: ranges, atomically: true, encoding: .utf8)
            let (many, manyLocal) = (folder.path + "/s3-\(name)-many.raw", folder.path + "/local-\(name)-many.raw")
            #expect(run(["extract", "--store", url, s3ID, "--ranges", ranges, "--workers", "16", "--output", many]).status == 0)
            #expect(run(["extract", "--store", local, localID, "--ranges", ranges, "--output", manyLocal], environment: nil).status == 0)
            #expect(try Data(contentsOf: URL(fileURLWithPath: many)) == Data(contentsOf: URL(fileURLWithPath: manyLocal)), "\(name) ranges")
            let info = run(["info", "--store", url, s3ID])
            #expect(info.status == 0 && info.out.contains(name))
        }
        let wav = try #require(recordings.first { $0["source"]?["file_name"] == "i2-3.wav" }?["id"]?.stringValue)
        let out = folder.path + "/back.wav"
        #expect(run(["export", "--store", url, wav, "--output", out]).status == 0)
        #expect(try sha256(out) == (try sha256(sets[2][4])))
        #expect(run(["verify", "--store", url]).status == 0)
        #expect(run(["delete", "--store", url, wav]).status == 0)
        #expect(try listed(url).count == 20)
    }

    @Test func aKilledImporterLeavesNothingVisibleAndGCClearsIt() async throws {
        guard let environment = S3TestServer.environment else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let small = folder.path + "/small.wav", big = folder.path + "/big.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "48000", "-b", "16", "-c", "1", small, "synth", "0.5", "sine", "500"])
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "96000", "-b", "24", "-c", "2", big, "synth", "120", "pinknoise"])
        let url = S3TestServer.freshLocation()
        #expect(run(["import", "--store", url, small]).status == 0)
        guard let store = try store(url) else { return }
        let process = try startImporter(url, big, environment: environment)
        // Killed once it has claimed an id and is writing (long before it could commit).
        var claimed = false
        for _ in 0..<400 where !claimed {
            let claims = try store.listDirectory(".zarrwlr/claims"), written = try store.keys(below: "1")
            claimed = !claims.isEmpty && !written.isEmpty
            if !claimed { try await Task.sleep(for: .milliseconds(25)) }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(claimed)
        #expect(try listed(url).compactMap { $0["id"]?.stringValue } == ["0"])
        #expect(Set(try zarrPython(url)["members"]?.objectValue?.keys.map { $0 } ?? []) == ["0"])
        // gc removes the dead importer's claim and objects; the file imports afterwards.
        let collected = run(["gc", "--store", url])
        #expect(collected.status == 0)
        #expect(collected.out.contains("removed 1"))
        #expect(try store.listDirectory(".zarrwlr/claims").isEmpty)
        #expect(try store.keys(below: "1").isEmpty)
        let again = run(["import", "--store", url, "--json", big])
        #expect(again.status == 0)
        #expect(try JSONValue(parsing: Array(again.out.utf8)).arrayValue?.first?["id"] == "2")  // the claimed id is not reused
    }

    /// Importers killed at several moments (right after starting, while claiming, while writing,
    /// near the end): afterwards every recording listed is complete and readable, the file is
    /// there at most once, and after gc and one more import exactly once.
    @Test func importersKilledAtSeveralPointsLeaveOnlyCompleteRecordings() async throws {
        guard let environment = S3TestServer.environment else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let file = folder.path + "/medium.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "96000", "-b", "24", "-c", "2", file, "synth", "20", "pinknoise"])
        let url = S3TestServer.freshLocation()
        #expect(run(["import", "--store", url, "--allow-duplicate", file]).status == 0)  // creates the archive
        for delay in [0, 80, 200, 400, 700, 1000] {
            let process = try startImporter(url, file, environment: environment)
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            for recording in try listed(url) {
                let id = try #require(recording["id"]?.stringValue)
                #expect(recording["total_samples"]?.intValue == 1_920_000, "after a kill at \(delay) ms: recording \(id)")
                #expect(run(["extract", "--store", url, id, "--start", "1919000", "--end", "1920000", "--output", folder.path + "/tail.raw", "--force"]).status == 0)
            }
        }
        #expect(run(["gc", "--store", url]).status == 0)
        guard let store = try store(url) else { return }
        #expect(try store.listDirectory(".zarrwlr/claims").isEmpty)
        let before = try listed(url).count
        #expect(run(["import", "--store", url, file]).status == 0)  // a duplicate of recording 0, or imported once more? never twice
        #expect(try listed(url).count == before)
        #expect(run(["verify", "--store", url]).status == 0)
        #expect(Set(try zarrPython(url)["members"]?.objectValue?.keys.map { $0 } ?? []) == Set(try listed(url).compactMap { $0["id"]?.stringValue }))
    }

    /// Layers live on object storage as in a folder: imported, listed, exported, replaced only
    /// when asked, clips equal to extraction.
    @Test func annotationLayersWorkOnObjectStorage() throws {
        guard S3TestServer.environment != nil else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let wav = folder.path + "/20250416_043000.wav"
        try ProcessRunner.run(Self.sox, ["-R", "-n", "-r", "16000", "-b", "16", "-c", "1", wav, "synth", "3", "pinknoise"])
        let url = S3TestServer.freshLocation()
        #expect(run(["import", "--store", url, wav]).status == 0)
        try "Begin Time (s)\tEnd Time (s)\tBegin File\tAnnotation\n0.5\t1.25\t20250416_043000.wav\tcall\n".write(toFile: folder.path + "/t.txt", atomically: true, encoding: .utf8)
        #expect(run(["annotate", "import", "--store", url, "--layer", "calls", folder.path + "/t.txt"]).status == 0)
        #expect(run(["annotate", "import", "--store", url, "--layer", "calls", folder.path + "/t.txt"]).status == 73)
        #expect(run(["annotate", "import", "--store", url, "--layer", "calls", "--replace", folder.path + "/t.txt"]).status == 0)
        #expect(run(["annotate", "list", "--store", url]).out.contains("calls\t1\t1\t1"))
        let csv = run(["annotate", "export", "--store", url, "--layer", "calls", "--format", "csv", "--output", "-"]).out
        #expect(csv.split(separator: "\n").dropFirst().first?.hasPrefix("0,8000,20000,16000,") == true, "\(csv)")
        let clips = run(["extract", "--store", url, "--layer", "calls", "--output-dir", folder.path + "/clips"])
        #expect(clips.status == 0)
        #expect(run(["extract", "--store", url, "0", "--start", "8000", "--end", "20000", "--output", folder.path + "/x.wav"]).status == 0)
        var clip: [Int32] = [], extracted: [Int32] = []
        _ = try PCMFileReader(path: clips.out.trimmingCharacters(in: .whitespacesAndNewlines)).read(maxFrames: 1 << 20, into: &clip)
        _ = try PCMFileReader(path: folder.path + "/x.wav").read(maxFrames: 1 << 20, into: &extracted)
        #expect(clip.count == 12_000 && clip == extracted)
    }

    @Test func refusedCredentialsAndMissingBucketsChangeNothing() throws {
        guard var environment = S3TestServer.environment else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let wav = folder.path + "/x.wav"
        try ProcessRunner.run(Self.sox, ["-n", "-r", "16000", "-b", "16", "-c", "1", wav, "synth", "0.2", "sine", "440"])
        let url = S3TestServer.freshLocation()
        let missing = run(["import", "--store", "s3://no-such-bucket-zarrwlr/x", wav])
        #expect(missing.status == 66, "\(missing.err)")
        #expect(missing.err.contains("bucket"))
        #expect(run(["list", "--store", "s3://no-such-bucket-zarrwlr"]).status == 66)
        environment["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        let denied = run(["import", "--store", url, wav], environment: environment)
        #expect(denied.status == 77, "\(denied.err)")
        #expect(denied.err.contains("AWS_ACCESS_KEY_ID"))
        #expect(run(["list", "--store", url], environment: environment).status == 77)
        guard let store = try store(url) else { return }
        #expect(try store.listDirectory("").isEmpty)  // nothing was written
        #expect(run(["list", "--store", url]).status == 66)  // no archive there
        #expect(run(["list", "--store", "s3://"]).status == 64)
    }
}
