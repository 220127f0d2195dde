import ArgumentParser
import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
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
    @Option(help: "FLAC compression level 0-8 (default 5; the flac setting level).") var flacLevel: Int?
    @Option(help: "Opus bitrate in bits per second per channel, 6000...256000 (default 160000; the opus setting bitrate).") var opusBitrate: Int?
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
    @Option(help: "Files imported at the same time (1 to 256).") var jobs: Int = 1
    @Option(help: "Cores that encode and index one file, 1 to 256 (FLAC encodes a long file in segments on all of them; the stream is the same for any number). Default: the machine's cores divided by --jobs.")
    var workers: Int?
    @Argument(help: "Files or folders.") var inputs: [String]

    func validate() throws {
        if let codec, AudioCodecs.registry.backend(for: CodecID(codec.lowercased())) == nil {
            throw ValidationError("--codec must be one of \(AudioCodecs.registry.backends.map { $0.codecID.rawValue }.joined(separator: ", ")), not '\(codec)'")
        }
        if let flacLevel, !(0...8).contains(flacLevel) { throw ValidationError("--flac-level must be 0 to 8, not \(flacLevel)") }
        if let opusBitrate, !(6_000...256_000).contains(opusBitrate) { throw ValidationError("--opus-bitrate must be 6000 to 256000 (per channel), not \(opusBitrate)") }
        try ParallelOption.check(jobs, "--jobs")
        if let workers { try ParallelOption.check(workers, "--workers") }
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
            let options = try importOptions()
            do { try options.validateCodecOptions(for: backend) } catch { throw ValidationError("--codec-option: \(error.message)") }
        }
    }

    /// The options the flags give: `--flac-level`, `--opus-bitrate` and `--opus-prediction` as
    /// those codecs' settings, then `--codec-option NAME=VALUE` for `--codec` (which wins).
    private func importOptions() throws -> ImportOptions {
        var options = ImportOptions()
        options.workers = workers ?? max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
        if let flacLevel { options.set("level", String(flacLevel), for: CodecID("flac")) }
        if let opusBitrate { options.set("bitrate", String(opusBitrate), for: CodecID("opus")) }
        if opusPrediction { options.set("prediction", "true", for: CodecID("opus")) }
        for pair in codecOption {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--codec-option must be NAME=VALUE, not '\(pair)'") }
            if let codec { options.set(parts[0], parts[1], for: CodecID(codec.lowercased())) }
        }
        return options
    }

    func run() async throws {
        let options = try importOptions()
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
        let requests = archive.importRequests(for: inputs)
        let files = requests.map(\.path)
        if startTime != nil, files.count > 1 {
            FileHandle.standardError.write(Data("aimport: --start-time gives one start to one file, and \(inputs[0]) holds \(files.count) audio files: import the folder without it (each file's own time is read), give --timezone for times that state no zone, or correct the starts afterwards with `aimport set --shift-start`\n".utf8))
            throw ExitCode(ExitStatus.usage)
        }
        Interruption.install(message: "interrupted: the recordings committed so far stay in the archive; the files in progress are not in it (nothing half-imported is visible), import them again")
        let progress = Progress(totalBytes: files.reduce(0) { $0 + Progress.size(of: $1) }, files: files.count)
        var choices = AudioArchive.ImportChoices(codec: codec.map { CodecID($0.lowercased()) })
        choices.options = options
        choices.allowDuplicate = allowDuplicate
        choices.userMetadata = userMetadata
        choices.startTime = startTime
        choices.timeZone = timezone.flatMap(TimeZoneSpec.init)
        let quiet = json
        let outcomes = await archive.importFiles(requests, jobs: jobs, choices: choices, progress: { progress.started(file: files[$0]) }) { index, outcome in
            progress.finished(file: files[index])
            let file = files[index]
            switch outcome {
            case .success(.imported(let id, let report)):
                progress.clear { for warning in report.warnings { FileHandle.standardError.write(Data("aimport: \(file): \(warning)\n".utf8)) } }
                if !quiet { progress.clear { print("\(file): imported as \(id) (\(report.codec), \(report.sampleRate) Hz, \(report.channelCount) ch, \(report.totalSamples) samples)") } }
            case .success(.duplicate(let existing)):
                if !quiet { progress.clear { print("\(file): duplicate of \(existing), skipped") } }
            case .failure(let error):
                progress.clear { fail(error, importing: file) }
            }
        }
        progress.done()
        let results = zip(files, outcomes).map { file, outcome in Self.result(file: file, outcome) }
        if !json {
            let count = { (status: String) in results.filter { $0["status"]?.stringValue == status }.count }
            print("\(count("imported")) imported, \(count("duplicate")) duplicate, \(count("failed")) failed")
        }
        if json { print(String(decoding: JSONValue.array(results).serialized(), as: UTF8.self), terminator: "") }
        let worst = outcomes.map { outcome -> Int32 in
            if case .failure(let error) = outcome { return ExitStatus.for(error) }
            return 0
        }.max() ?? 0
        if worst != 0 { throw ExitCode(worst) }
    }

    /// What `--json` says of one file.
    static func result(file: String, _ outcome: Result<AudioArchive.Outcome, CodecError>) -> JSONValue {
        var result: [String: JSONValue] = ["file": .string(file)]
        switch outcome {
        case .success(.imported(let id, let report)):
            result["status"] = "imported"
            result["id"] = .string(id)
            result["codec"] = .string(report.codec.rawValue)
            result["sample_rate"] = .int(Int64(report.sampleRate))
            result["channels"] = .int(Int64(report.channelCount))
            result["total_samples"] = .int(report.totalSamples)
            result["copied_verbatim"] = .bool(report.copiedVerbatim)
            result["warnings"] = .array(report.warnings.map(JSONValue.string))
        case .success(.duplicate(let existing)):
            result["status"] = "duplicate"
            result["id"] = .string(existing)
        case .failure(let error):
            result["status"] = "failed"
            result["error"] = .string(error.description)
        }
        return .object(result)
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
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

    /// Prints each recording as it is read (a JSON array, or a table): `list` of a large archive
    /// starts at once and holds one recording at a time.
    func run() throws {
        var printed = 0
        let print = { (summary: AudioArchive.Summary) in
            if json {
                Swift.print(printed == 0 ? "[" : ",", terminator: "")
                Swift.print(String(decoding: summary.jsonObject.serialized(), as: UTF8.self), terminator: "")
            } else {
                if printed == 0 { Swift.print("id\tsource\tdevice\tcodec\trate\tchannels\tduration\tstart") }
                Swift.print(Self.row(summary))
            }
            printed += 1
        }
        do {
            let archive = try location.archive()
            if since != nil || until != nil {
                for summary in try archive.recordings(since: since.flatMap(Instant.init), until: until.flatMap(Instant.init)) { print(summary) }
            } else {
                try archive.forEachRecording { print($0) }
            }
        } catch {
            throw ExitCode.reporting(error)
        }
        if json { Swift.print(printed == 0 ? "[]" : "]") }
    }

    /// One line of the table, stored strings escaped for the terminal.
    static func row(_ r: AudioArchive.Summary) -> String {
        if let damage = r.damage {
            return "\(r.id)\tDAMAGED: \(TerminalText.escaped(damage)) (run aimport verify \(r.id))"
        }
        let duration = r.duration.map { String(format: "%.2f s", $0) } ?? "?"
        let source = r.attributes["source"]?["relative_path"]?.stringValue ?? r.sourceFile ?? "?"
        let columns = [r.id, source, r.device ?? "-", r.codec ?? "?", "\(r.sampleRate ?? 0) Hz", "\(r.channels ?? 0) ch", duration, r.startTime ?? "-"]
        return columns.map(TerminalText.escaped).joined(separator: "\t")
    }
}

/// Prints `error` on stderr; for a failed import of `file`, naming the file first when the
/// error names another path (a store's, when writing the recording failed), so that among many
/// files the one that failed is known.
func fail(_ error: CodecError, importing file: String? = nil) {
    let lead = file.map { $0 == error.file ? "" : TerminalText.escaped($0) + ": " } ?? ""
    FileHandle.standardError.write(Data("aimport: \(lead)\(error)\n".utf8))
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
        case .resources: return osError
        default: return dataError
        }
    }
}
