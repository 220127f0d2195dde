import ArgumentParser
import AudioImport
import CodecCore
import Foundation
import ZarrStore

/// Recording `id` of the archive.
private func recordingGroup(store: String, at: String, id: String) throws(CodecError) -> ZarrGroup {
    try AudioArchive.openOrCreate(storePath: store, group: at).recording(id)
}

/// The backend of the codec a recording was stored with.
func backend(of group: ZarrGroup) throws(CodecError) -> any CodecBackend.Type {
    let codec = group.attributes["zarrwlr"]?["codec"]?.stringValue ?? ""
    guard let backend = AudioCodecs.registry.backend(for: CodecID(codec)) else {
        throw CodecError(.unsupported, "recording '\(group.path)' uses codec '\(codec)', which this build does not have")
    }
    return backend
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print all metadata of one recording as JSON.", discussion: "Example: aimport info --store season.zarr 3")

    @Option(help: "The Zarr store (a folder).") var store: String
    @Option(help: "The archive group inside the store (default: the root).") var at: String = ""
    @Argument(help: "The recording's id.") var id: String
    @Flag(help: "Machine-readable output (the same JSON; accepted for symmetry with the other commands).") var json = false

    func run() throws {
        do {
            let group = try recordingGroup(store: store, at: at, id: id)
            var object = group.attributes["zarrwlr"]?.objectValue ?? [:]
            object["id"] = .string(id)
            print(String(decoding: JSONValue.object(object).serialized(), as: UTF8.self), terminator: "")
        } catch {
            fail(error)
            throw ExitCode(ExitStatus.for(error))
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a 1:1-copied recording back out as the original file, byte for byte.",
        discussion: "The written file's sha256 is checked against the recorded one. Example: aimport export --store season.zarr 0 --output original.flac")

    @Option(help: "The Zarr store (a folder).") var store: String
    @Option(help: "The archive group inside the store (default: the root).") var at: String = ""
    @Argument(help: "The recording's id.") var id: String
    @Option(help: "The file to write.") var output: String

    func run() throws {
        do {
            let group = try recordingGroup(store: store, at: at, id: id)
            let codec = try backend(of: group).codecID
            let facts = group.attributes["zarrwlr"]
            guard facts?["encoding"]?["copied_verbatim"] == true else {
                throw CodecError(.invalidArgument, "recording \(id) was encoded from a \(facts?["source"]?["container"]?.stringValue ?? "PCM") file, not copied; use extract")
            }
            let blob = try RecordingLayout.openBlob(in: group, codec: codec)
            guard FileManager.default.createFile(atPath: output, contents: nil), let file = FileHandle(forWritingAtPath: output) else {
                throw CodecError(.storage, "cannot create the output file", file: output)
            }
            var offset: Int64 = 0
            while offset < blob.length {
                let end = min(blob.length, offset + Int64(RecordingLayout.blobShardBytes))
                file.write(Data(try blob.read(offset..<end)))
                offset = end
            }
            try? file.close()
            let (_, sha) = try SourceFile.sizeAndSHA256(output)
            guard sha == facts?["source"]?["sha256"]?.stringValue else {
                throw CodecError(.corrupt, "the exported file's sha256 \(sha) differs from the recorded \(facts?["source"]?["sha256"]?.stringValue ?? "?")", file: output)
            }
            print("\(output): \(blob.length) bytes, sha256 \(sha) (matches the source)")
        } catch let error as CodecError {
            fail(error)
            throw ExitCode(ExitStatus.for(error))
        }
    }
}

struct Index: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a recording's index, or check the stored one against a fresh build.",
        discussion: "Example: aimport index --store season.zarr 3 --verify")

    @Option(help: "The Zarr store (a folder).") var store: String
    @Option(help: "The archive group inside the store (default: the root).") var at: String = ""
    @Argument(help: "The recording's id.") var id: String
    @Option(help: "Parallel workers.") var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Use one worker.") var sequential = false
    @Flag(help: "Only compare the stored index with a fresh build; write nothing.") var verify = false

    func run() async throws {
        var options = IndexOptions()
        options.workers = sequential ? 1 : workers
        do {
            for (group, backendType) in try AudioArchive.openOrCreate(storePath: store, group: at).streams(of: id) {
                let codec: any CodecBackend = backendType.init()
                let name = group.path.split(separator: "/").last.map(String.init) ?? id
                if verify {
                    guard try await codec.storedIndexMatches(in: group, options: options) else {
                        print("recording \(id) (\(name)): the stored index differs from a fresh build")
                        throw ExitCode(ExitStatus.dataError)
                    }
                    print("recording \(id) (\(name)): the stored index matches a fresh build")
                } else {
                    let report = try await codec.buildIndex(in: group, options: options)
                    let rejected = report.rejected.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    print("recording \(id) (\(name)): \(report.entries) entries, \(report.totalSamples) samples\(rejected.isEmpty ? "" : "; \(rejected)")")
                }
            }
        } catch let error as CodecError {
            fail(error)
            throw ExitCode(ExitStatus.for(error))
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check recordings: every frame or page checksum, the stored index, and 1:1 copies' sha256.",
        discussion: "Exits 65 when any recording is damaged. Example: aimport verify --store season.zarr")

    @Option(help: "The Zarr store (a folder).") var store: String
    @Option(help: "The archive group inside the store (default: the root).") var at: String = ""
    @Argument(help: "Recording ids (default: all).") var ids: [String] = []

    func run() async throws {
        var damaged = 0
        do {
            let archive = try AudioArchive.openOrCreate(storePath: store, group: at)
            let targets = ids.isEmpty ? try archive.recordings().map(\.id) : ids
            var options = IndexOptions()
            options.verifyEveryFrame = true
            options.workers = ProcessInfo.processInfo.activeProcessorCount
            for id in targets {
                var problems: [String] = []
                do {
                    let group = try recordingGroup(store: store, at: at, id: id)
                    let codecType = try backend(of: group)
                    for (stream, streamBackend) in try archive.streams(of: id) {
                        let codec: any CodecBackend = streamBackend.init()
                        if !(try await codec.storedIndexMatches(in: stream, options: options)) {
                            problems.append("index of \(stream.path) differs from the blob (damaged frames or pages)")
                        }
                    }
                    let facts = group.attributes["zarrwlr"]
                    if facts?["encoding"]?["copied_verbatim"] == true {
                        let blob = try RecordingLayout.openBlob(in: group, codec: codecType.codecID)
                        let hash = SHA256()
                        var offset: Int64 = 0
                        while offset < blob.length {
                            let end = min(blob.length, offset + Int64(RecordingLayout.blobShardBytes))
                            hash.update(try blob.read(offset..<end))
                            offset = end
                        }
                        if SHA256.hex(hash.finalize()) != facts?["source"]?["sha256"]?.stringValue { problems.append("blob sha256 differs from the source's") }
                    }
                } catch {
                    problems.append(error.description)
                }
                print("recording \(id): \(problems.isEmpty ? "ok" : "DAMAGED: " + problems.joined(separator: "; "))")
                if !problems.isEmpty { damaged += 1 }
            }
        } catch {
            fail(error)
            throw ExitCode(ExitStatus.for(error))
        }
        if damaged > 0 { throw ExitCode(ExitStatus.dataError) }
    }
}
