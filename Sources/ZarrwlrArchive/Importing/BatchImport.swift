import CodecCore
import Foundation
import ZarrStore

extension AudioArchive {
    /// One file to import.
    public struct ImportRequest: Sendable {
        /// The file's path.
        public let path: String
        /// Where it lies relative to the folder named for import, starting with that folder's
        /// name (`siteE/20250417_050000.WAV`), recorded as `source.relative_path`; nil: its name.
        public let relativePath: String?

        /// Why the file cannot be imported, when a folder's walk found that already (a link to
        /// nothing, a name that is not UTF-8, a folder that cannot be listed): the batch reports
        /// it as failed without opening it.
        public let refusal: CodecError?

        public init(path: String, relativePath: String? = nil, refusal: CodecError? = nil) {
            self.path = path
            self.relativePath = relativePath
            self.refusal = refusal
        }
    }

    /// What every file of a batch is imported with.
    public struct ImportChoices: Sendable {
        /// The codec; nil: ``AudioArchive/automaticCodec(for:)``.
        public var codec: CodecID?
        public var options = ImportOptions()
        /// Whether a file already in the archive (by sha256) is imported again.
        public var allowDuplicate = false
        /// The user's metadata for every file.
        public var userMetadata: JSONValue?
        /// The start time (ISO 8601 with an offset or Z), overriding what the file says.
        public var startTime: String?
        /// The zone of times the files state without one.
        public var timeZone: TimeZoneSpec?

        public init(codec: CodecID? = nil) {
            self.codec = codec
        }
    }

    /// The files `inputs` name: files as given, and the audio files below given folders with
    /// what below them cannot be imported (see ``FolderWalk``). A file below a folder gets a
    /// relative path that starts with the folder's name, so that equal file names of two
    /// recorders stay apart. Audio files are those of the extensions libsndfile and ffmpeg read
    /// and every codec's own.
    public func importRequests(for inputs: [String]) -> [ImportRequest] {
        var extensions: Set<String> = ["wav", "ogg", "oga", "mp3", "aif", "aiff", "aifc", "w64", "rf64", "caf", "m4a"]
        for backend in codecs.backends { extensions.formUnion(backend.probe.extensions) }
        var walk = FolderWalk(extensions: extensions)
        var requests: [ImportRequest] = []
        for input in inputs {
            // A file given by name keeps the name as given; a missing one is reported by the import.
            let status = SourceFile.status(input)
            if status?.isFolder == true {
                requests += walk.requests(below: input, relative: Self.folderName(input))
            } else if input == "-" {
                // Standard input, as `-` is wherever a file is read; not imported.
                let refusal = CodecError(.noInput, "standard input is not imported: an import reads its source more than once, so write it to a file first (a file called - is ./-)", file: input)
                requests.append(ImportRequest(path: input, relativePath: input, refusal: refusal))
            } else if status == nil && input.unicodeScalars.contains("\u{FFFD}") {
                // A command line's argument that was not UTF-8 reaches Swift with U+FFFD in place
                // of its bytes, naming no file: not "no such file" for a file that is there.
                requests.append(ImportRequest(path: input, relativePath: input, refusal: FolderWalk.nameNotUTF8(input, isFolder: false)))
            } else {
                requests.append(ImportRequest(path: input, relativePath: input))
            }
        }
        return requests
    }

    /// The name of the folder `path` names ("cards/siteE/" -> "siteE", "." -> the current
    /// folder's name); empty for the root.
    static func folderName(_ path: String) -> String {
        let name = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        return name == "/" ? "" : name
    }

    /// Imports `requests`, `jobs` at a time, committing in the order given (so ids follow it
    /// whatever finishes first). Each file is committed or fails on its own; `finished` is
    /// called with each outcome as it comes (from one task at a time), and the outcomes are
    /// returned in the order given.
    /// - Parameter progress: the reporter for file `index` (when its import starts), or nil.
    public func importFiles(
        _ requests: [ImportRequest], jobs: Int = 1, choices: ImportChoices = ImportChoices(),
        progress: (@Sendable (Int) -> ReadProgress?)? = nil,
        finished: (@Sendable (Int, Result<Outcome, CodecError>) -> Void)? = nil
    ) async -> [Result<Outcome, CodecError>] {
        var outcomes = [Result<Outcome, CodecError>?](repeating: nil, count: requests.count)
        let turns = CommitTurns()
        await withTaskGroup(of: (Int, Result<Outcome, CodecError>).self) { group in
            var next = 0
            func startOne() {
                let index = next
                next += 1
                let request = requests[index]
                let reporter = progress?(index)
                group.addTask { [self] in
                    let outcome: Result<Outcome, CodecError>
                    do throws(CodecError) {
                        if let refusal = request.refusal { throw refusal }
                        outcome = .success(try await importFile(
                            request.path, codec: choices.codec, options: choices.options, allowDuplicate: choices.allowDuplicate,
                            userMetadata: choices.userMetadata, startTime: choices.startTime, timeZone: choices.timeZone,
                            sourcePath: request.relativePath, beforeCommit: { await turns.wait(for: index) }, progress: reporter))
                    } catch {
                        outcome = .failure(error)
                    }
                    await turns.finish(index)
                    return (index, outcome)
                }
            }
            while next < min(max(jobs, 1), requests.count) { startOne() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                finished?(index, outcome)
                if next < requests.count { startOne() }
            }
        }
        return outcomes.map { $0 ?? .failure(CodecError(.library, "an import did not report")) }
    }
}

/// Lets parallel imports commit in input order, so that `jobs` > 1 assigns ids as the files were
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
