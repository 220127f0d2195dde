import ArgumentParser
import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print all metadata of one recording as JSON.", discussion: "Example: aimport info --store season.zarr 3")

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "The recording's id.") var id: String
    @Flag(help: "Machine-readable output (the same JSON; accepted for symmetry with the other commands).") var json = false

    func run() throws {
        do {
            let group = try location.archive().recording(id)
            var object = group.attributes["zarrwlr"]?.objectValue ?? [:]
            object["id"] = .string(id)
            print(String(decoding: JSONValue.object(object).serialized(), as: UTF8.self), terminator: "")
        } catch {
            throw ExitCode.reporting(error)
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a recording's original file back out, byte for byte.",
        discussion: """
            Works for 1:1 copies (FLAC, Ogg Opus, WavPack files) and for lossless imports of WAV, RF64, W64 \
            and AIFF files whose container was kept (`info` shows source.container_bytes). The file is \
            written beside --output and renamed into place only when its sha256 is the recorded one. \
            An --output that is a folder receives the file under its original name. \
            Example: aimport export --store season.zarr 0 --output 20250416_000000.WAV
            """)

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "The recording's id.") var id: String
    @Option(help: "The file to write, or a folder to write it into under its original name.") var output: String
    @Flag(help: "Replace an existing output file.") var force = false

    func validate() throws {
        guard !output.isEmpty else { throw ValidationError("--output must name a file or a folder") }
    }

    func run() throws {
        Interruption.install(message: "interrupted: nothing was written")
        do {
            let archive = try location.archive()
            let target = try Self.target(output, original: try archive.summary(id).sourceFile, recording: id)
            let file = try OutputFile(target, force: force)
            defer { file.discard() }
            let (bytes, sha) = try archive.exportChecked(id, writingTo: file.partial)
            try file.commit()
            print("\(file.path): \(bytes) bytes, sha256 \(sha) (matches the source)")
        } catch {
            throw ExitCode.reporting(error)
        }
    }

    /// The file to write: `output`, or the original file name inside `output` when it is a folder.
    static func target(_ output: String, original: String?, recording id: String) throws(CodecError) -> String {
        var isFolder: ObjCBool = false
        guard output.hasSuffix("/") || FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) && isFolder.boolValue else { return output }
        guard let name = original.map({ ($0 as NSString).lastPathComponent }), !name.isEmpty, name != ".", name != ".." else {
            throw CodecError(.cannotCreate, "--output is a folder and the recording has no original file name; give a file name", file: output, recording: id)
        }
        return (output as NSString).appendingPathComponent(name)
    }
}

struct Index: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Rebuild a recording's index, or check the stored one against a fresh build.",
        discussion: "Example: aimport index --store season.zarr 3 --verify")

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "The recording's id.") var id: String
    @Option(help: "Parallel workers.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Use one worker.") var sequential = false
    @Flag(help: "Only compare the stored index with a fresh build; write nothing.") var verify = false

    func validate() throws {
        try ParallelOption.check(workers, "--workers")
    }

    func run() async throws {
        var options = IndexOptions()
        options.workers = sequential ? 1 : workers
        let results: [(stream: String, matches: Bool?, report: IndexReport?)]
        do {
            results = try await location.archive().index(id, options: options, verifyOnly: verify)
        } catch {
            throw ExitCode.reporting(error)
        }
        var differs = false
        for (stream, matches, report) in results {
            if let matches {
                print("recording \(id) (\(stream)): the stored index \(matches ? "matches" : "differs from") a fresh build")
                differs = differs || !matches
            } else if let report {
                let rejected = report.rejected.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                print("recording \(id) (\(stream)): \(report.entries) entries, \(report.totalSamples) samples\(rejected.isEmpty ? "" : "; \(rejected)")")
            }
        }
        if differs { throw ExitCode(ExitStatus.dataError) }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check recordings: every frame or page checksum, the stored index, and 1:1 copies' sha256.",
        discussion: "Exits 65 when any recording is damaged. Example: aimport verify --store season.zarr")

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "Recording ids (default: all).") var ids: [String] = []

    func run() async throws {
        var damaged = 0
        do {
            let archive = try location.archive()
            let removed = archive.removeStaleStaging()
            if removed > 0 { print("removed \(removed) interrupted imports") }
            if ids.isEmpty {
                // A repair, not a check: a store this process may only read (read-only media,
                // read-only S3 credentials) is verified all the same.
                do throws(CodecError) { try archive.completeTimeIndex() } catch {
                    FileHandle.standardError.write(Data("aimport: the time index was not rewritten (a repair; the recordings are verified all the same): \(error)\n".utf8))
                }
            }
            for id in ids.isEmpty ? try archive.recordingIDs() : ids {
                let findings = await archive.verify(id)
                print("recording \(id): \(findings.isEmpty ? "ok" : "DAMAGED")")
                for finding in findings { print("  \(finding)") }
                if !findings.isEmpty { damaged += 1 }
            }
        } catch {
            throw ExitCode.reporting(error)
        }
        if damaged > 0 { throw ExitCode(ExitStatus.dataError) }
    }
}
