import ArgumentParser
import AudioImport
import CodecCore
import Foundation
import ZarrStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import audio files (and folders, recursively) into an archive.",
        discussion: """
            The store is created when missing. Each file becomes a numbered recording; a file whose \
            sha256 is already in the archive is skipped as a duplicate unless --allow-duplicate. \
            Example: aimport import --store season.zarr recordings/

            Codec settings (--codec-option NAME=VALUE, with --codec):
            \(codecSettingsHelp)
            """)

    /// Every codec's settings, from the registry.
    static var codecSettingsHelp: String {
        var lines: [String] = []
        for backend in AudioCodecs.registry.backends {
            for setting in backend.settings {
                lines.append("  \(backend.codecID) \(setting.name)=\(setting.allowed) (default \(setting.defaultValue)): \(setting.help)")
            }
        }
        return lines.joined(separator: "\n")
    }

    @OptionGroup var location: ArchiveLocation
    @Option(help: "flac (lossless), wavpack (lossless, also 32-bit float and up to 4096 channels) or opus (lossy); case does not matter. Default: a FLAC, Opus or WavPack file is copied 1:1 with its own codec, anything else goes to FLAC.")
    var codec: String?
    @Option(help: "FLAC compression level 0-8.") var flacLevel: Int = 5
    @Option(help: "Opus bitrate in bits per second per channel (6000...256000).") var opusBitrate: Int = 160_000
    @Flag(help: "Opus: predict frames from the previous ones (1-4 dB better SNR on strongly periodic low-pitched sound, no difference measured on field recordings; extraction then decodes 500 ms before each range instead of 80 ms).")
    var opusPrediction = false
    @Option(help: ArgumentHelp("A codec setting NAME=VALUE (repeatable; needs --codec); the settings are listed below.", valueName: "name=value"))
    var codecOption: [String] = []
    @Flag(help: "Import files whose sha256 is already in the archive.") var allowDuplicate = false
    @Option(help: "Your metadata for every imported file: a JSON object, or @file.json.") var meta: String?
    @Option(help: "The recording start time, ISO 8601 with an offset or Z (2025-04-16T04:30:00+02:00); overrides what the file says. One input file only (to fix the starts of many, use --timezone here or `aimport set --shift-start` afterwards).") var startTime: String?
    @Option(help: "The time zone of times the files state without one (file names, GUANO without an offset, bext): an offset (+02:00, -03:30, Z) or an IANA name (Europe/Berlin); recorded with each start. Times with a zone (AudioMoth comments, GUANO with an offset) are kept as they are.")
    var timezone: String?
    @Flag(help: "Print a JSON array on stdout, one object per input file, and nothing else there.") var json = false
    @Option(help: "Files imported at the same time.") var jobs: Int = 1
    @Argument(help: "Files or folders.") var inputs: [String]

    func validate() throws {
        if let codec, AudioCodecs.registry.backend(for: CodecID(codec.lowercased())) == nil {
            throw ValidationError("--codec must be one of \(AudioCodecs.registry.backends.map { $0.codecID.rawValue }.joined(separator: ", ")), not '\(codec)'")
        }
        guard (0...8).contains(flacLevel) else { throw ValidationError("--flac-level must be 0 to 8, not \(flacLevel)") }
        guard (6_000...256_000).contains(opusBitrate) else { throw ValidationError("--opus-bitrate must be 6000 to 256000 (per channel), not \(opusBitrate)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        if let startTime, Instant(startTime) == nil {
            throw ValidationError("--start-time must be ISO 8601 with seconds and an offset or Z (2025-04-16T04:30:00Z), not '\(startTime)'")
        }
        if let timezone, TimeZoneSpec(timezone) == nil {
            throw ValidationError("--timezone must be an offset such as +02:00, -03:30 or Z, or an IANA time zone name such as Europe/Berlin, not '\(timezone)'")
        }
        guard !inputs.isEmpty else { throw ValidationError("name at least one file or folder to import") }
        if startTime != nil, inputs.count > 1 {
            throw ValidationError("--start-time gives one start to one file, and \(inputs.count) inputs were named: import them without it (their own times are read), give --timezone for times that state no zone, or correct the starts afterwards with `aimport set --shift-start`")
        }
        if !codecOption.isEmpty {
            guard let codec, let backend = AudioCodecs.registry.backend(for: CodecID(codec.lowercased())) else {
                throw ValidationError("--codec-option needs --codec (settings belong to one codec)")
            }
            var options = ImportOptions()
            options.codecOptions = try parsedCodecOptions()
            do { try options.validateCodecOptions(for: backend) } catch { throw ValidationError("--codec-option: \(error.message)") }
        }
    }

    /// `--codec-option` values as name -> value.
    private func parsedCodecOptions() throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in codecOption {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--codec-option must be NAME=VALUE, not '\(pair)'") }
            result[parts[0].lowercased()] = parts[1]
        }
        return result
    }

    /// Extensions of the files a folder import takes: the PCM and compressed containers
    /// libsndfile or ffmpeg decode, and every codec's own (from the registry).
    static let audioExtensions: Set<String> = {
        var extensions: Set<String> = ["wav", "ogg", "oga", "mp3", "aif", "aiff", "aifc", "w64", "rf64", "caf", "m4a"]
        for backend in AudioCodecs.registry.backends { extensions.formUnion(backend.probe.extensions) }
        return extensions
    }()

    func run() async throws {
        var options = ImportOptions()
        options.flacLevel = flacLevel
        options.opusBitrate = opusBitrate
        options.opusPrediction = opusPrediction
        options.codecOptions = try parsedCodecOptions()
        let archive: AudioArchive
        do {
            archive = try location.archiveCreatingIt()
        } catch {
            fail(error)
            let status: Int32 = switch error.code {
            case .invalidArgument, .corrupt: ExitStatus.dataError
            case .permissionDenied, .noInput: ExitStatus.for(error)
            default: ExitStatus.cantCreate
            }
            throw ExitCode(status)
        }
        var userMetadata: JSONValue?
        if let meta {
            guard let parsed = MetaOption.parse(meta) else { throw ValidationError("--meta must be a JSON object or @file holding one") }
            userMetadata = parsed
        }
        let found = try expand(inputs)
        let files = found.map(\.path)
        if startTime != nil, files.count > 1 {
            FileHandle.standardError.write(Data("aimport: --start-time gives one start to one file, and \(inputs[0]) holds \(files.count) audio files: import the folder without it (each file's own time is read), give --timezone for times that state no zone, or correct the starts afterwards with `aimport set --shift-start`\n".utf8))
            throw ExitCode(ExitStatus.usage)
        }
        Interruption.install(message: "interrupted: the recordings committed so far stay in the archive; the files in progress are not in it (nothing half-imported is visible), import them again")
        let progress = Progress(totalBytes: files.reduce(0) { $0 + Progress.size(of: $1) }, files: files.count)
        var results = [JSONValue](repeating: .null, count: files.count)
        var worst: Int32 = 0
        let (archiveCopy, codecID, allow, metadata, start, importOptions) = (archive, codec.map { CodecID($0.lowercased()) }, allowDuplicate, userMetadata, startTime, options)
        let zone = timezone.flatMap(TimeZoneSpec.init)
        let turns = CommitTurns()
        await withTaskGroup(of: (Int, [String: JSONValue], Int32, [String]).self) { group in
            var next = 0
            func startOne() {
                let index = next
                next += 1
                let file = files[index]
                let relative = found[index].relative
                let reporter = progress.started(file: file)
                group.addTask {
                    var result: [String: JSONValue] = ["file": .string(file)]
                    var lines: [String] = []
                    var status: Int32 = 0
                    do throws(CodecError) {
                        switch try await archiveCopy.importFile(
                            file, codec: codecID, options: importOptions, allowDuplicate: allow, userMetadata: metadata, startTime: start,
                            timeZone: zone, sourcePath: relative, beforeCommit: { await turns.wait(for: index) }, progress: reporter)
                        {
                        case .imported(let id, let report):
                            result["status"] = "imported"
                            result["id"] = .string(id)
                            result["codec"] = .string(report.codec.rawValue)
                            result["sample_rate"] = .int(Int64(report.sampleRate))
                            result["channels"] = .int(Int64(report.channelCount))
                            result["total_samples"] = .int(report.totalSamples)
                            result["copied_verbatim"] = .bool(report.copiedVerbatim)
                            result["warnings"] = .array(report.warnings.map(JSONValue.string))
                            lines.append("\(file): imported as \(id) (\(report.codec), \(report.sampleRate) Hz, \(report.channelCount) ch, \(report.totalSamples) samples)")
                            progress.clear { for warning in report.warnings { FileHandle.standardError.write(Data("aimport: \(file): \(warning)\n".utf8)) } }
                        case .duplicate(let existing):
                            result["status"] = "duplicate"
                            result["id"] = .string(existing)
                            lines.append("\(file): duplicate of \(existing), skipped")
                        }
                    } catch {
                        result["status"] = "failed"
                        result["error"] = .string(error.description)
                        progress.clear { fail(error) }
                        status = ExitStatus.for(error)
                    }
                    await turns.finish(index)
                    return (index, result, status, lines)
                }
            }
            while next < min(max(jobs, 1), files.count) { startOne() }
            while let (index, result, status, lines) = await group.next() {
                results[index] = .object(result)
                worst = max(worst, status)
                progress.finished(file: files[index])
                if !json { progress.clear { for line in lines { print(line) } } }
                if next < files.count { startOne() }
            }
        }
        progress.done()
        if !json {
            let count = { (status: String) in results.filter { $0["status"]?.stringValue == status }.count }
            print("\(count("imported")) imported, \(count("duplicate")) duplicate, \(count("failed")) failed")
        }
        if json { print(String(decoding: JSONValue.array(results).serialized(), as: UTF8.self), terminator: "") }
        if worst != 0 { throw ExitCode(worst) }
    }

    /// Files as given, and the audio files below given folders (sorted, recursively), with
    /// symbolic links followed. A folder reached twice (a link loop, or two links to one folder)
    /// is walked once; hidden files and macOS `._*` AppleDouble files are skipped. A file's
    /// relative path starts with the name of the folder given (`siteE/20250417_050000.WAV` for
    /// `cards/siteE/`), so that the same file names of two recorders stay apart.
    private func expand(_ inputs: [String]) throws -> [(path: String, relative: String)] {
        var files: [(path: String, relative: String)] = []
        var visited = Set<[UInt64]>()
        func walk(_ folder: String, relative: String) {
            guard let identity = SourceFile.status(folder)?.identity, visited.insert(identity).inserted else { return }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            for name in names where !name.hasPrefix(".") {
                let path = (folder as NSString).appendingPathComponent(name)
                guard let status = SourceFile.status(path) else { continue }  // a dangling link
                let below = relative.isEmpty ? name : relative + "/" + name
                if status.isFolder {
                    walk(path, relative: below)
                } else if Self.audioExtensions.contains((name as NSString).pathExtension.lowercased()) {
                    files.append((path, below))
                }
            }
        }
        for input in inputs {
            // A file given by name keeps the name as given; a missing one is reported by the import.
            if SourceFile.status(input)?.isFolder == true { walk(input, relative: Self.folderName(input)) } else { files.append((input, input)) }
        }
        return files
    }

    /// The name of the folder `path` names ("cards/siteE/" -> "siteE", "." -> the current
    /// folder's name); empty for the root.
    static func folderName(_ path: String) -> String {
        let name = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        return name == "/" ? "" : name
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the recordings of an archive.",
        discussion: """
            With --since and/or --until only the recordings with samples in that span are listed \
            (recordings whose start time is unknown or naive have no place in time and are left out). \
            Example: aimport list --store season.zarr --since 2025-04-16T00:00:00Z --until 2025-04-17T00:00:00Z --json
            """)

    @OptionGroup var location: ArchiveLocation
    @Flag(help: "Print a JSON array of recording objects (each with its id) on stdout.") var json = false
    @Option(help: "Only recordings with samples at or after this instant (ISO 8601 with Z or an offset).") var since: String?
    @Option(help: "Only recordings with samples before this instant (ISO 8601 with Z or an offset).") var until: String?

    func validate() throws {
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Instant(value) == nil {
                throw ValidationError("\(name) must be ISO 8601 with seconds and Z or an offset (2025-04-16T04:30:00Z), not '\(value)'")
            }
        }
        if let since = since.flatMap(Instant.init), let until = until.flatMap(Instant.init), until < since {
            throw ValidationError("--until \(until.text) is before --since \(since.text)")
        }
    }

    func run() throws {
        let recordings: [AudioArchive.Summary]
        do {
            let archive = try location.archive()
            if since != nil || until != nil {
                recordings = try archive.recordings(since: since.flatMap(Instant.init), until: until.flatMap(Instant.init))
            } else {
                recordings = try archive.recordings()
            }
        } catch {
            throw ExitCode.reporting(error)
        }
        if json {
            print(String(decoding: JSONValue.array(recordings.map(\.jsonObject)).serialized(), as: UTF8.self), terminator: "")
            return
        }
        if !recordings.isEmpty { print("id\tsource\tdevice\tcodec\trate\tchannels\tduration\tstart") }
        for r in recordings {
            if let damage = r.damage {
                print("\(r.id)\tDAMAGED: \(TerminalText.escaped(damage)) (run aimport verify \(r.id))")
                continue
            }
            let duration = r.duration.map { String(format: "%.2f s", $0) } ?? "?"
            let source = r.attributes["source"]?["relative_path"]?.stringValue ?? r.sourceFile ?? "?"
            let columns = [r.id, source, r.device ?? "-", r.codec ?? "?", "\(r.sampleRate ?? 0) Hz", "\(r.channels ?? 0) ch", duration, r.startTime ?? "-"]
            print(columns.map(TerminalText.escaped).joined(separator: "\t"))
        }
    }
}

func fail(_ error: CodecError) {
    FileHandle.standardError.write(Data("aimport: \(error)\n".utf8))
}

extension ExitCode {
    /// Prints `error` on stderr and gives the exit code the README names for it.
    static func reporting(_ error: CodecError) -> ExitCode {
        fail(error)
        return ExitCode(ExitStatus.for(error))
    }
}

extension ExitStatus {
    /// The sysexits code for a codec error (README, "Exit codes").
    static func `for`(_ error: CodecError) -> Int32 {
        switch error.code {
        case .noInput: return noInput
        case .storage: return ioError
        case .invalidArgument: return usage
        case .cannotCreate: return cantCreate
        case .permissionDenied: return noPermission
        case .library: return software
        default: return dataError
        }
    }
}

/// Lets parallel imports commit in input order, so that `--jobs N` assigns ids as the files were
/// given: file k commits once every earlier file has committed or failed. Tasks start in input
/// order, so every file waited for is already running: no import waits on one not started.
actor CommitTurns {
    private var next = 0
    private var finished = Swift.Set<Int>()
    private var waiting: [Int: CheckedContinuation<Void, Never>] = [:]

    /// Returns when every file before `index` is finished.
    func wait(for index: Int) async {
        guard index != next else { return }
        await withCheckedContinuation { waiting[index] = $0 }
    }

    /// File `index` committed, was a duplicate or failed.
    func finish(_ index: Int) {
        finished.insert(index)
        while finished.remove(next) != nil { next += 1 }
        waiting.removeValue(forKey: next)?.resume()
    }
}
