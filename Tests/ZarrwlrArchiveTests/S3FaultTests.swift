import Foundation
import ObjectStore
import Testing
import TestSupport
import ZarrStore

/// The S3 commit protocol under faults a deployment meets, injected by a proxy of our own
/// (`s3_fault_proxy.py`) in front of the real server: answers lost after the server acted,
/// 500/503 answers, reset connections. Invariants: every file in the archive exactly once, every
/// committed recording complete and bit-exact, no id twice, nothing committed ever lost.
@Suite(.serialized) struct S3FaultTests {
    static let binary = PythonReference.packageRoot + "/.build/debug/aimport"
    static let sox = ProcessRunner.which("sox") ?? "/usr/bin/sox"

    struct ProxyFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// A running proxy with its schedule; stopped by ``stop()``.
    final class Proxy {
        let process: Process
        let port: Int
        let log: String

        init(rules: [JSONValue], in folder: TemporaryFolder) throws {
            guard let endpoint = S3TestServer.environment?["AWS_ENDPOINT_URL"], let upstream = endpoint.split(separator: ":").last.flatMap({ Int($0) }) else {
                throw ProxyFailure(description: S3TestServer.missing)
            }
            let schedule = folder.path + "/schedule-\(UUID().uuidString).json"
            log = folder.path + "/proxy-\(UUID().uuidString).jsonl"
            try Data(JSONValue.array(rules).serialized()).write(to: URL(fileURLWithPath: schedule))
            process = Process()
            process.executableURL = URL(fileURLWithPath: try PythonReference.interpreter())
            let portFile = folder.path + "/port-\(UUID().uuidString)"
            process.arguments = [PythonReference.packageRoot + "/Tests/ZarrwlrArchiveTests/s3_fault_proxy.py", String(upstream), schedule, log, portFile, "--lifetime", "900"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var port: Int?
            for _ in 0..<1_000 where port == nil && process.isRunning {
                port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
                if port == nil { usleep(10_000) }
            }
            guard let port else {
                kill(process.processIdentifier, SIGKILL)
                throw ProxyFailure(description: "the fault proxy did not start")
            }
            self.port = port
        }

        /// The S3 environment with the proxy as the endpoint.
        var environment: [String: String] {
            var environment = S3TestServer.environment ?? [:]
            environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(port)"
            return environment
        }

        /// The requests the proxy hit with an action, as (method, path, action).
        func faults() -> [(method: String, path: String, action: String)] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let entry = try? JSONValue(parsing: Array(line.utf8)), let action = entry["action"]?.stringValue else { return nil }
                return (entry["method"]?.stringValue ?? "", entry["path"]?.stringValue ?? "", action)
            }
        }

        func stop() {
            // SIGKILL: a child of the test process may start with SIGTERM blocked (libdispatch's mask).
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private func run(_ arguments: [String], environment: [String: String]? = S3TestServer.environment) -> ProcessRunner.Result {
        ProcessRunner.outcome(Self.binary, arguments, environment: environment)
    }

    private func listed(_ url: String) throws -> [JSONValue] {
        try JSONValue(parsing: Array(run(["list", "--store", url, "--json"]).standardOutput.utf8)).arrayValue ?? []
    }

    /// Every listed recording verifies, and extracts exactly the samples of the file it names.
    private func expectCompleteAndExact(_ url: String, files: [String: String]) throws {
        for recording in try listed(url) {
            guard let id = recording["id"]?.stringValue, let name = recording["source"]?["file_name"]?.stringValue, let source = files[name] else {
                Issue.record("an unexpected recording: \(recording)")
                continue
            }
            let verify = run(["verify", "--store", url, id])
            #expect(verify.status == 0, "recording \(id): \(verify.standardOutput)")
            let folder = TemporaryFolder()
            let total = recording["total_samples"]?.intValue ?? 0
            let extracted = run(["extract", "--store", url, id, "--start", "0", "--end", String(total), "--output", folder.path + "/x.raw"])
            #expect(extracted.status == 0)
            let ours = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/x.raw"))
            try ProcessRunner.run(Self.sox, [source, "-t", "raw", "-e", "signed", "-b", "16", "-L", folder.path + "/ref.raw"])
            #expect(ours == (try Data(contentsOf: URL(fileURLWithPath: folder.path + "/ref.raw"))), "recording \(id) (\(name)) differs from its file")
        }
    }

    @Test func aLostAnswerToTheCommitIsReadBackNotTakenForALostRace() throws {
        guard S3TestServer.environment != nil else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let url = S3TestServer.freshLocation()
        let file = folder.path + "/a.wav"
        try TestAudio.tone(file, seconds: 0.5)
        // The answers to the id counter, the claim, the sha256 marker and the commit are all lost
        // once: each request took effect, and the client's retry finds it done.
        let proxy = try Proxy(rules: [
            ["method": "PUT", "key": "/next_id$", "action": "drop_response"],
            ["method": "PUT", "key": "/claims/", "header": "if-none-match", "action": "drop_response"],
            ["method": "PUT", "key": "/sha256/", "header": "if-none-match", "action": "drop_response"],
            ["method": "PUT", "key": "/[0-9]+/zarr.json$", "header": "if-none-match", "action": "drop_response"],
        ], in: folder)
        defer { proxy.stop() }
        let imported = run(["import", "--store", url, file], environment: proxy.environment)
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(proxy.faults().count == 4, "\(proxy.faults())")
        let recordings = try listed(url)
        #expect(recordings.count == 1)
        try expectCompleteAndExact(url, files: ["a.wav": file])
        // Imported again (directly): a duplicate of that one recording.
        #expect(run(["import", "--store", url, file]).standardOutput.contains("duplicate of \(recordings.first?["id"]?.stringValue ?? "?")"))
    }

    /// A fresh S3 archive holding one 0.5 s tone as recording 0, with the folder of the tone; nil
    /// (recorded as an issue) without the test server.
    private func archiveOfOneTone() throws -> (TemporaryFolder, String)? {
        guard S3TestServer.environment != nil else { Issue.record(Comment(rawValue: S3TestServer.missing)); return nil }
        let folder = TemporaryFolder()
        let url = S3TestServer.freshLocation()
        let file = folder.path + "/a.wav"
        try TestAudio.tone(file, seconds: 0.5)
        #expect(run(["import", "--store", url, file]).status == 0)
        return (folder, url)
    }

    /// With credentials that may only read (every PUT, POST and DELETE answered 403 AccessDenied,
    /// as S3 answers such a key), the archive is read as ever: the commands that only read send
    /// no write at all, `verify` checks every recording (its repair of the time index refused and
    /// said), and an import is refused as a permission (exit 77), adding nothing.
    @Test func credentialsThatMayOnlyReadReadAndVerifyTheArchive() throws {
        guard let (folder, url) = try archiveOfOneTone() else { return }
        let proxy = try Proxy(rules: ["PUT", "POST", "DELETE"].map { ["method": .string($0), "action": "error_403", "times": -1] }, in: folder)
        defer { proxy.stop() }
        let reads: [[String]] = [
            ["list", "--store", url], ["info", "--store", url, "0"], ["summary", "--store", url], ["annotate", "list", "--store", url],
            ["extract", "--store", url, "0", "--start", "0", "--end", "100", "--output", folder.path + "/x.raw"],
            ["export", "--store", url, "0", "--output", folder.path + "/x.wav"], ["index", "--store", url, "0", "--verify"],
        ]
        for command in reads {
            let result = run(command, environment: proxy.environment)
            #expect(result.status == 0, "\(command): \(result.standardError)")
        }
        #expect(proxy.faults().isEmpty, "a command that only reads wrote: \(proxy.faults())")
        let verified = run(["verify", "--store", url], environment: proxy.environment)
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect(verified.standardOutput == "recording 0: ok\n")
        #expect(verified.standardError.contains("the time index was not rewritten"), "\(verified.standardError)")
        #expect(proxy.faults().allSatisfy { $0.method == "PUT" && $0.path.contains("/.zarrwlr/time/") }, "\(proxy.faults())")
        let other = folder.path + "/b.wav"
        try TestAudio.tone(other, seconds: 0.25)
        let imported = run(["import", "--store", url, other], environment: proxy.environment)
        #expect(imported.status == 77, "\(imported.standardError)")
        #expect(try listed(url).count == 1)
    }

    @Test func aLostAnswerToAMetadataChangeAppendsOneHistoryEntry() throws {
        guard let (folder, url) = try archiveOfOneTone() else { return }
        // The compare-and-swap of `set` takes effect but its answer is lost, twice: the retry
        // gets 412, reads back, finds its own change and stops.
        let proxy = try Proxy(rules: [["method": "PUT", "key": "/0/zarr.json$", "header": "if-match", "action": "drop_response", "times": 2]], in: folder)
        defer { proxy.stop() }
        let changed = run(["set", "--store", url, "0", "--meta", #"{"site": "B"}"#], environment: proxy.environment)
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(proxy.faults().count == 2, "\(proxy.faults())")
        let info = try JSONValue(parsing: Array(run(["info", "--store", url, "0"]).standardOutput.utf8))
        #expect(info["metadata"]?["user"]?["site"] == "B")
        #expect(info["history"]?.arrayValue?.count == 1, "\(info["history"] ?? .null)")
    }

    /// An index rebuild whose table switch is answered 412 once (another writer came between)
    /// keeps that writer's change: the switch is a compare-and-swap of the stored metadata.
    @Test func anIndexRebuildOnObjectStorageKeepsAConcurrentChange() throws {
        guard let (folder, url) = try archiveOfOneTone() else { return }
        // The answer to the rebuild's first table write is held back; once the proxy has it, a
        // `set` (not through the proxy) lands while the rebuild waits.
        let proxy = try Proxy(rules: [["method": "PUT", "key": "flac_index-", "action": "delay", "delay_ms": 3000, "times": 1]], in: folder)
        defer { proxy.stop() }
        let rebuild = try ProcessRunner.launch(Self.binary, ["index", "--store", url, "0"], environment: proxy.environment).process
        for _ in 0..<3_000 where proxy.faults().isEmpty && rebuild.isRunning { usleep(10_000) }
        #expect(!proxy.faults().isEmpty, "the rebuild wrote no table")
        #expect(run(["set", "--store", url, "0", "--meta", #"{"site": "C"}"#]).status == 0)
        rebuild.waitUntilExit()
        #expect(rebuild.terminationStatus == 0)
        let info = try JSONValue(parsing: Array(run(["info", "--store", url, "0"]).standardOutput.utf8))
        #expect(info["metadata"]?["user"]?["site"] == "C", "the rebuild reverted the change: \(info)")
        #expect(run(["verify", "--store", url, "0"]).status == 0)
    }

    @Test func aFailedClaimRemovalAfterTheCommitLosesNothing() throws {
        guard S3TestServer.environment != nil else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let url = S3TestServer.freshLocation()
        let file = folder.path + "/a.wav"
        try TestAudio.tone(file, seconds: 0.5)
        let proxy = try Proxy(rules: [["method": "DELETE", "key": "/claims/", "action": "error_500", "times": -1]], in: folder)
        defer { proxy.stop() }
        let imported = run(["import", "--store", url, file], environment: proxy.environment)
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(proxy.faults().contains { $0.method == "DELETE" })
        try expectCompleteAndExact(url, files: ["a.wav": file])
        #expect(try listed(url).count == 1)
        // gc (without faults) removes the claim of the committed recording and nothing else.
        #expect(run(["gc", "--store", url]).status == 0)
        #expect(try listed(url).count == 1)
    }

    /// Three importers at once through the proxy, faults at every kind of request; then the same
    /// imports again without faults (what a user does after a failure): each file exactly once.
    @Test func importersUnderFaultsLeaveEveryFileOnceAndComplete() throws {
        guard S3TestServer.environment != nil else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let folder = TemporaryFolder()
        let url = S3TestServer.freshLocation()
        var files: [String: String] = [:]
        for k in 0..<4 {
            let path = folder.path + "/common\(k).wav"
            try TestAudio.tone(path, seconds: 0.3 + 0.1 * Double(k), frequency: 300 + 40 * k)
            files["common\(k).wav"] = path
        }
        for importer in 0..<3 {
            let path = folder.path + "/own\(importer).wav"
            try TestAudio.tone(path, seconds: 0.4, frequency: 900 + 70 * importer)
            files["own\(importer).wav"] = path
        }
        let proxy = try Proxy(rules: [
            ["method": "PUT", "action": "drop_response", "every": 5, "times": -1],
            ["method": "GET", "action": "error_503", "every": 7, "times": -1],
            ["method": "DELETE", "action": "reset", "every": 3, "times": -1],
            ["method": "HEAD", "action": "error_500", "every": 4, "times": -1],
        ], in: folder)
        defer { proxy.stop() }
        let inputs = (0..<3).map { importer in (0..<4).map { folder.path + "/common\($0).wav" } + [folder.path + "/own\(importer).wav"] }
        let processes = try inputs.map { paths -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["import", "--store", url] + paths
            process.environment = proxy.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(proxy.faults().count > 10, "the schedule hit \(proxy.faults().count) requests")
        // What failed under faults is imported again without them; nothing is imported twice.
        for paths in inputs { _ = run(["import", "--store", url] + paths) }
        let recordings = try listed(url)
        let names = recordings.compactMap { $0["source"]?["file_name"]?.stringValue }
        #expect(names.sorted() == files.keys.sorted(), "\(names.sorted())")
        #expect(Set(recordings.compactMap { $0["id"]?.stringValue }).count == recordings.count)
        try expectCompleteAndExact(url, files: files)
    }
}
