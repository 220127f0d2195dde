#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AudioInput
import CodecCore
import Foundation
import ObjectStore
import ZarrStore

/// An audio archive: a Zarr group (the store root by default) whose numbered child groups
/// ("0", "1", ...) are recordings.
///
/// An import writes into a hidden staging group and is committed by renaming that folder to the
/// next free id under an exclusive lock, after checking the source's sha256 against the archive
/// again. A recording is therefore visible complete or not at all; an import that fails or is
/// killed leaves only its unlisted staging folder and changes no recording; concurrent importers
/// get distinct ids, and the same file imported twice at once ends up once.
public struct AudioArchive: Sendable {
    /// What became of one imported file.
    public enum Outcome: Sendable {
        case imported(id: String, report: ImportReport)
        case duplicate(of: String)
    }

    /// One recording, as `list` shows it.
    public struct Summary: Sendable {
        public let id: String
        public let attributes: JSONValue
        /// Why the recording cannot be read (its metadata is missing or does not parse); nil
        /// when it is intact. A damaged recording keeps its id and never blocks the others.
        public let damage: String?

        public init(id: String, attributes: JSONValue, damage: String? = nil) {
            self.id = id
            self.attributes = attributes
            self.damage = damage
        }

        /// The recording's facts, parsed; nil when they are damaged.
        public var recordingDescription: RecordingDescription? {
            attributes.objectValue.flatMap { try? RecordingDescription(attributes: $0) }
        }
        public var codec: String? { attributes[RecordingDescription.Key.codec]?.stringValue }
        public var sampleRate: Int? { attributes[RecordingDescription.Key.sampleRate]?.intValue }
        public var channels: Int? { attributes[RecordingDescription.Key.channels]?.intValue }
        public var totalSamples: Int? { attributes[RecordingDescription.Key.totalSamples]?.intValue }
        public var sourceFile: String? { attributes[RecordingDescription.Key.source]?[RecordingDescription.Key.sourceFileName]?.stringValue }
        public var sha256: String? { attributes[RecordingDescription.Key.source]?[RecordingDescription.Key.sourceSHA256]?.stringValue }
        /// ISO 8601, when known (without an offset when only a naive local time is known).
        public var startTime: String? { attributes["start_time"]?["iso8601"]?.stringValue }
        /// The start as an instant; nil when unknown or naive (a local time of unknown zone).
        public var startInstant: Instant? { startTime.flatMap(Instant.init) }
        /// The recorder that made the recording: the user's `device` metadata, else the AudioMoth
        /// device id, else the GUANO serial number, else the Wildlife Acoustics (wamd) serial.
        public var device: String? { deviceNames.first }
        /// Every name the metadata gives the recorder, in that order: the user's `device`, the
        /// AudioMoth device id, the GUANO serial number, the wamd serial (`--device` matches any of them).
        public var deviceNames: [String] {
            let metadata = attributes["metadata"]
            let names = [metadata?["user"]?["device"], metadata?["audiomoth"]?["device_id"], metadata?["guano"]?["Serial"], metadata?["wamd"]?["serial"]]
                .compactMap { $0?.stringValue }
            return names.reduce(into: []) { unique, name in if !unique.contains(name) { unique.append(name) } }
        }
        /// The recording as `list --json` and the C ABI give it: its attributes with `id` (and
        /// `damaged`, the reason, when it is damaged).
        public var jsonObject: JSONValue {
            var object = attributes.objectValue ?? [:]
            object["id"] = .string(id)
            if let damage { object["damaged"] = .string(damage) }
            return .object(object)
        }
        /// Seconds, from total samples and rate.
        public var duration: Double? {
            guard let totalSamples, let sampleRate, sampleRate > 0 else { return nil }
            return Double(totalSamples) / Double(sampleRate)
        }
    }

    /// The store: a folder (``FilesystemStore``) or S3-protocol object storage (``S3Store``).
    public let store: any ZarrStorage
    /// The archive group's path in the store ("" for the root).
    public let path: String
    /// The codecs this archive imports with and reads recordings of.
    public let codecs: CodecRegistry
    /// The store as the user named it (a folder or `s3://BUCKET/PREFIX`), for messages.
    public let storeName: String
    /// How recordings enter and leave the archive on its kind of storage.
    let committer: any RecordingCommitter
    /// Whether every read of the store is a network round trip (object storage), so that a
    /// few large reads beat many small ones even where they fetch more bytes.
    public var readsAreRoundTrips: Bool { store.readsAreRoundTrips }

    init(store: FilesystemStore, path: String, codecs: CodecRegistry = .standard) {
        self.store = store
        self.path = path
        self.codecs = codecs
        storeName = store.root
        committer = LocalCommitter(folder: path.isEmpty ? store.root : store.root + "/" + path)
    }

    init(objectStore: S3Store, path: String, codecs: CodecRegistry = .standard) {
        store = objectStore
        self.path = path
        self.codecs = codecs
        storeName = objectStore.location.description
        committer = ObjectCommitter(store: objectStore, path: path)
    }

    /// The S3 store that `storePath` names (`s3://BUCKET/PREFIX`), its access checked; nil for a folder.
    /// - Throws: ``CodecError/Code/permissionDenied`` for refused credentials,
    ///   ``CodecError/Code/noInput`` for a missing bucket.
    static func objectStore(_ storePath: String) throws(CodecError) -> S3Store? {
        try checkStoreName(storePath)
        guard storePath.hasPrefix("s3://") else { return nil }
        guard let location = S3Location(storePath) else {
            throw CodecError(.invalidArgument, "an S3 store is s3://BUCKET or s3://BUCKET/PREFIX", file: storePath)
        }
        do {
            let store = S3Store(location, client: try S3Client())
            try store.checkAccess()
            return store
        } catch {
            throw CodecError.store(error, "cannot open the S3 store", file: storePath)
        }
    }
    /// Refuses an empty store name (its keys would be paths from the file system's root) and a
    /// store named by a URL of a kind this library does not open (`gs://...`, `https://...`,
    /// `S3://...`) or by a mistyped S3 URL (`s3:/bucket`, `s3:bucket`): taken for a folder, such
    /// a name would become folders of that name in the working directory, and an import would
    /// put its recordings there with exit 0.
    /// An S3 store's endpoint (`AWS_ENDPOINT_URL`) must be an http(s) server's address, its
    /// region (`AWS_REGION`) a region's name.
    /// - Throws: ``CodecError/Code/invalidArgument`` naming the store.
    public static func checkStoreName(_ storePath: String) throws(CodecError) {
        guard !storePath.isEmpty else {
            throw CodecError(.invalidArgument, "the store's name is empty: give a folder (. for this one) or s3://BUCKET/PREFIX")
        }
        let s3Form = "an S3 store is s3://BUCKET or s3://BUCKET/PREFIX (lower-case s3, two slashes)"
        if storePath.hasPrefix("s3://") {
            // The endpoint and region it is reached through, checked before any request.
            do {
                _ = try S3Client.configuredEndpoint()
                _ = try S3Client.configuredRegion()
            } catch {
                throw CodecError(.invalidArgument, error.message, file: storePath)
            }
            return
        }
        if storePath.lowercased().hasPrefix("s3:") { throw CodecError(.invalidArgument, s3Form, file: storePath) }
        guard let colon = storePath.firstIndex(of: ":"), storePath[colon...].hasPrefix("://") else { return }
        let scheme = storePath[..<colon]
        let isScheme = scheme.first.map { $0.isASCII && $0.isLetter } == true
            && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
        guard isScheme else { return }
        throw CodecError(.invalidArgument, "\(scheme):// is not a kind of store aimport opens: a store is a folder, or S3-protocol object storage as s3://BUCKET/PREFIX (another S3-compatible service, such as Google Cloud Storage's XML API or MinIO, through AWS_ENDPOINT_URL)", file: storePath)
    }

    /// An archive group's path as the store keys it: names between single slashes (`/`, `a/`
    /// and `a//b` are the root, `a` and `a/b`).
    /// - Throws: ``CodecError/Code/invalidArgument`` for a `.` or `..` in it.
    public static func groupPath(_ group: String) throws(CodecError) -> String {
        let names = group.split(separator: "/")
        guard !names.contains(where: { $0 == "." || $0 == ".." }) else {
            throw CodecError(.invalidArgument, "an archive group is a path of names inside the store, without . or .. (not '\(group)')")
        }
        return names.joined(separator: "/")
    }

    /// The archive's own folder for what is not data: `staging/` (imports in progress, each a
    /// self-contained recording group of its own) and `lock`. It holds no `zarr.json`, so
    /// zarr-python never lists it, nor anything in it, as a member.
    static let internalFolder = ".zarrwlr"
    /// Staging folders of an earlier layout (directly in the archive group).
    static let legacyStagingPrefix = ".staging-"

    /// Whether `name` is a recording id: ASCII digits only.
    static func isRecordingID(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Opens the existing archive at `group` in the store at `storePath`, changing nothing.
    /// - Throws: ``CodecError/Code/noInput`` when the store or the archive does not exist,
    ///   ``CodecError/Code/invalidArgument`` when the group is not an archive,
    ///   ``CodecError/Code/corrupt`` when its metadata does not parse.
    public static func open(storePath: String, group: String = "", codecs: CodecRegistry = .standard) throws(CodecError) -> AudioArchive {
        let group = try groupPath(group)
        let objectStore = try objectStore(storePath)
        guard objectStore != nil || SourceFile.status(storePath)?.isFolder == true else {
            throw CodecError(.noInput, "no store here (not a folder)", file: storePath)
        }
        let store: any ZarrStorage = objectStore ?? FilesystemStore(root: storePath)
        let node: ZarrGroup
        do {
            node = try ZarrGroup.open(in: store, at: group)
        } catch where error.code == .nodeNotFound {
            throw CodecError(.noInput, "no archive\(group.isEmpty ? "" : " at '\(group)'") in this store", file: storePath)
        } catch {
            throw CodecError.store(error, "cannot open the archive\(group.isEmpty ? "" : " at '\(group)'")", file: storePath)
        }
        guard node.attributes[RecordingLayout.attributeKey]?["node"] == "archive" else {
            throw CodecError(.invalidArgument, "'\(group.isEmpty ? "/" : group)' is a Zarr group but not an audio archive", file: storePath)
        }
        if let objectStore { return AudioArchive(objectStore: objectStore, path: group, codecs: codecs) }
        let archive = AudioArchive(store: FilesystemStore(root: storePath), path: group, codecs: codecs)
        try archive.committer.refuseUnsafeLayout()
        return archive
    }

    /// Opens the archive at `group` in the store at `storePath`, creating store and archive when
    /// missing.
    /// - Throws: ``CodecError/Code/invalidArgument`` when the group exists but is not an archive
    ///   (another Zarr group, or an array); ``CodecError/Code/storage`` when it cannot be created.
    public static func openOrCreate(storePath: String, group: String = "", codecs: CodecRegistry = .standard) throws(CodecError) -> AudioArchive {
        let group = try groupPath(group)
        let objectStore = try objectStore(storePath)
        let store: any ZarrStorage = objectStore ?? FilesystemStore(root: storePath)
        do {
            // Created with its marker in one atomic write, so a concurrent importer never sees an
            // unmarked archive that already holds another importer's staging group.
            let archiveMarker: [String: JSONValue] = [
                RecordingLayout.attributeKey: ["layout_version": .int(Int64(RecordingLayout.layoutVersion)), "node": "archive"],
            ]
            var node = try ZarrGroup.create(in: store, at: group, attributes: archiveMarker, existingOK: true)
            let marker = node.attributes[RecordingLayout.attributeKey]
            if marker == nil {
                guard try node.children().isEmpty else {
                    throw CodecError(.invalidArgument, "'\(group.isEmpty ? "/" : group)' is a Zarr group with content but not an audio archive", file: storePath)
                }
                try node.setAttributes(node.attributes.merging(archiveMarker) { _, new in new })
            } else if marker?["node"] != "archive" {
                throw CodecError(.invalidArgument, "'\(group.isEmpty ? "/" : group)' is not an audio archive (it is a \(marker?["node"]?.stringValue ?? "different") node)", file: storePath)
            }
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError.store(error, "cannot open or create the archive", file: storePath)
        }
        if let objectStore { return AudioArchive(objectStore: objectStore, path: group, codecs: codecs) }
        let archive = AudioArchive(store: FilesystemStore(root: storePath), path: group, codecs: codecs)
        try archive.committer.refuseUnsafeLayout()
        return archive
    }

    func child(_ name: String) -> String { path.isEmpty ? name : path + "/" + name }

    /// The committed recordings, by id, damaged ones included (with ``Summary/damage``).
    public func recordings() throws(CodecError) -> [Summary] {
        var all: [Summary] = []
        try forEachRecording { all.append($0) }
        return all
    }

    /// The ids of the committed recordings in id order, damaged ones included: each recording is
    /// read as ``forEachRecording(_:)`` reads it and only its id is kept.
    public func recordingIDs() throws(CodecError) -> [String] {
        var ids: [String] = []
        try forEachRecording { ids.append($0.id) }
        return ids
    }

    /// Calls `body` with each committed recording in id order, damaged ones included (with
    /// ``Summary/damage``), reading one recording's metadata at a time: what it holds does not
    /// grow with the archive beyond its list of ids.
    public func forEachRecording(_ body: (Summary) throws(CodecError) -> Void) throws(CodecError) {
        let names: [String]
        do { names = try store.listDirectory(path) } catch { throw CodecError.store(error, "cannot list the archive", file: storeName) }
        let ids = names.filter(Self.isRecordingID).sorted { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }
        for id in ids {
            let summary: Summary
            do {
                let group = try ZarrGroup.open(in: store, at: child(id))
                if let facts = group.attributes[RecordingLayout.attributeKey], facts["node"] == "recording" {
                    summary = Summary(id: id, attributes: facts)
                } else {
                    summary = Summary(id: id, attributes: [:], damage: "its zarr.json has no recording description")
                }
            } catch where error.code == .nodeNotFound && committer.uncommittedChildrenAreImports {
                continue  // on object storage: an import in progress or abandoned, not yet a recording
            } catch {
                let reason = error.code == .nodeNotFound ? "its zarr.json is missing" : "its zarr.json is damaged (\(error.message))"
                summary = Summary(id: id, attributes: [:], damage: reason)
            }
            try body(summary)
        }
    }

    /// The summary of recording `id` (what `list` shows of it).
    public func summary(_ id: String) throws(CodecError) -> Summary {
        Summary(id: id, attributes: try recording(id).attributes[RecordingLayout.attributeKey] ?? [:])
    }

    /// Recording `id`'s summary, or nil when the archive holds no such recording (deleted: ids are
    /// never reused, so rows or handles that name one are left over, not wrong).
    /// - Throws: as ``summary(_:)`` for a recording that is there but cannot be read.
    public func summaryIfPresent(_ id: String) throws(CodecError) -> Summary? {
        do {
            return try summary(id)
        } catch where error.code == .invalidArgument {
            return nil
        }
    }

    /// Recordings' summaries looked up as rows name them, each read once: for a pass over a
    /// layer that touches a few recordings of a large archive (on S3 a read per recording).
    public struct SummaryLookup {
        private let archive: AudioArchive
        private var known: [String: Summary?] = [:]

        public init(_ archive: AudioArchive) { self.archive = archive }

        /// Recording `id`'s summary, or nil when the archive holds no such recording
        /// (``summaryIfPresent(_:)``), read on the first call for `id`.
        public mutating func summary(_ id: String) throws(CodecError) -> Summary? {
            if let cached = known[id] { return cached }
            let found = try archive.summaryIfPresent(id)
            known[id] = .some(found)
            return found
        }
    }

    /// The recording group `id`.
    public func recording(_ id: String) throws(CodecError) -> ZarrGroup {
        guard Self.isRecordingID(id) else {
            throw CodecError(.invalidArgument, "'\(id)' is not a recording id (ids are numbers)", file: storeName)
        }
        let group: ZarrGroup
        do {
            group = try ZarrGroup.open(in: store, at: child(id))
        } catch where error.code == .nodeNotFound {
            throw CodecError(.invalidArgument, "no recording '\(id)' in the archive", file: storeName, recording: id)
        } catch {
            throw CodecError.store(error, "the recording's metadata is damaged", file: storeName).inRecording(id)
        }
        guard group.attributes[RecordingLayout.attributeKey]?["node"] == "recording" else {
            throw CodecError(.corrupt, "the recording's zarr.json has no recording description", file: storeName, recording: id)
        }
        return group
    }

    /// The codec a file is stored with when none is asked for: the codec whose own stream the
    /// file holds (found by its signature, so it is copied 1:1: a .flac, .opus or .wv file), else
    /// FLAC.
    public func automaticCodec(for file: String) -> CodecID {
        let head = (try? SourceFile.firstBytes(file, count: ProbeSpec.probeBytes)) ?? []
        let fallback = codecs.backend(for: AudioCodecs.defaultCodec)?.codecID ?? codecs.backends.first?.codecID ?? AudioCodecs.defaultCodec
        return codecs.backends.first { $0.probe.signatures.contains { $0.matches(head) } }?.codecID ?? fallback
    }

    /// Imports one file with the codec `codec` (nil: ``automaticCodec(for:)``) and commits it,
    /// with the file's bioacoustic metadata, the user's metadata and the start time (see
    /// ``RecordingMetadata``).
    /// - Parameters:
    ///   - timeZone: the zone of times the file states without one (nil: they stay naive).
    ///   - sourcePath: where the file lies relative to the folder being imported
    ///     ("siteA/20250416_000000.WAV"), kept as `source.relative_path` beside the absolute path
    ///     at import time (default: the file name).
    ///   - progress: where the import reports how much of the file it has read.
    ///   - beforeCommit: awaited just before the recording gets its id (after everything else
    ///     succeeded): a caller importing several files at once can make ids follow its order.
    public func importFile(
        _ file: String, codec requested: CodecID? = nil, options: ImportOptions = ImportOptions(),
        allowDuplicate: Bool = false, userMetadata: JSONValue? = nil, startTime: String? = nil, timeZone: TimeZoneSpec? = nil, sourcePath: String? = nil,
        beforeCommit: (@Sendable () async -> Void)? = nil, progress: ReadProgress? = nil
    ) async throws(CodecError) -> Outcome {
        // Temporary WAVs go here: ffmpeg's or libwavpack's decode of inputs libsndfile cannot
        // read, an AudioMoth triggered recording's expansion, the channel groups of a file with
        // too many channels (the folder is made only for them: an importer killed before leaves
        // nothing behind).
        let scratch = NSTemporaryDirectory() + "zarrwlr-import-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // Hashing the file, ffmpeg, the store's requests and their retries block: they run on a
        // thread of their own, never on the cooperative pool (as the encode does, see ImportTemplate).
        let begun = try await DedicatedThread.run { [self] () throws(CodecError) in
            try beginImport(file, codec: requested, options: options, allowDuplicate: allowDuplicate, startTime: startTime, scratch: scratch, progress: progress)
        }
        let prepared: PreparedImport
        switch begun {
        case .duplicate(let existing): return .duplicate(of: existing)
        case .prepared(let value): prepared = value
        }
        let outcome: Result<ImportReport, CodecError>
        if prepared.channels > prepared.backend.maximumChannels {
            outcome = await importGroups(prepared.input, channels: prepared.channels, backend: prepared.backend, staging: prepared.staging, scratch: scratch, options: options)
        } else {
            outcome = await Self.run(prepared.backend, file: prepared.input, into: prepared.staging, options: options)
        }
        switch outcome {
        case .success(let encoded):
            let report = try await DedicatedThread.run { [self] () throws(CodecError) in
                try describe(prepared, file: file, report: encoded, userMetadata: userMetadata, startTime: startTime, timeZone: timeZone, sourcePath: sourcePath)
            }
            // Concurrent imports of one caller may take turns here, so that ids follow its order.
            await beforeCommit?()
            try Self.requireUnchanged(file, since: prepared.initially, hashedBytes: prepared.size, else: prepared.stagingArea)
            return try await prepared.stagingArea.commit(sha256: prepared.sha256, allowDuplicate: allowDuplicate, report: report)
        case .failure(let error):
            prepared.stagingArea.remove()
            throw error.naming(file, insteadOfFilesIn: scratch)
        }
    }

    /// What ``importFile(_:codec:options:allowDuplicate:userMetadata:startTime:timeZone:sourcePath:beforeCommit:progress:)``
    /// knows of a file once its import has begun: the file as it was, the backend, what is read
    /// and where it is written.
    private struct PreparedImport: Sendable {
        let initially: SourceFile.Status?
        let backend: any CodecBackend.Type
        let size: Int64
        let sha256: String
        let decodedInput: DecodedInput?
        let containerCheck: OriginalContainer.Check?
        let input: ImportSource
        let stagingArea: any PendingRecording
        let staging: ZarrGroup
        let channels: Int
    }

    private enum BegunImport: Sendable {
        /// The archive holds the file already (as that recording).
        case duplicate(String)
        case prepared(PreparedImport)
    }

    /// The checks and the source's hash before an import, then its staging area; blocking.
    private func beginImport(
        _ file: String, codec requested: CodecID?, options: ImportOptions, allowDuplicate: Bool, startTime: String?, scratch: String, progress: ReadProgress?
    ) throws(CodecError) -> BegunImport {
        // What the file was when the import began: a file still being copied or recorded into
        // must not be committed as what was read of it.
        let initially = try SourceFile.regularFileStatus(file)
        let codec = requested ?? automaticCodec(for: file)
        guard let backend = codecs.backend(for: codec) else {
            throw CodecError(.invalidArgument, "unknown codec '\(codec)' (available: \(codecs.backends.map { $0.codecID.rawValue }.joined(separator: ", ")))")
        }
        try options.validateCodecOptions(for: backend)
        if let startTime, Instant(startTime) == nil {
            throw CodecError(.invalidArgument, "the start time must be ISO 8601 with seconds and an offset or Z, not '\(startTime)'", file: file)
        }
        let (size, sha256) = try SourceFile.sizeAndSHA256(file)
        guard size > 0 else { throw CodecError(.unrecognized, "the file is empty", codec: codec, file: file) }
        if !allowDuplicate, let existing = try duplicate(of: sha256) { return .duplicate(existing) }
        try ChainedOgg.refuse(file)

        // Inputs libsndfile cannot read go through libwavpack (WavPack files for another codec) or
        // ffmpeg into a temporary WAV; the recording still describes the original file.
        func madeScratch() -> String {
            try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            return scratch
        }
        var decodedInput: DecodedInput?
        if let triggered = try AudioMothExpansion.detect(file) {
            decodedInput = try AudioMothExpansion.expand(file, triggered, into: madeScratch())
        } else if WavPackDecoding.isNeeded(file, backend: backend) {
            decodedInput = try WavPackDecoding.decode(file, into: madeScratch())
        } else if !FFmpegDecoder.isReadableDirectly(file, codecs: codecs) {
            decodedInput = try FFmpegDecoder.decode(file, into: madeScratch())
        }
        // A lossless encode of a WAV/RF64/W64/AIFF file keeps the container for byte-exact
        // export; the check that it can sees the samples as the codec reads them.
        let containerCheck = decodedInput == nil && backend.isLossless ? try? OriginalContainer.Check.make(file, sha256: sha256, size: size).get() : nil
        let input = decodedInput.map { ImportSource(path: $0.wav, isLossyDecode: $0.isLossy) }
            ?? ImportSource(path: file, sizeBytes: size, sha256: sha256, progress: progress, pcmObserver: containerCheck)

        let stagingArea = try committer.begin(in: self)
        let staging: ZarrGroup
        do { staging = try stagingArea.group() } catch {
            stagingArea.remove()
            throw CodecError.store(error, "cannot open the new recording", file: storeName)
        }
        let channels = (try? input.pcmReader())?.channelCount ?? 0
        if channels > backend.maximumChannels { _ = madeScratch() }  // for the channel groups' WAVs
        return .prepared(PreparedImport(
            initially: initially, backend: backend, size: size, sha256: sha256, decodedInput: decodedInput, containerCheck: containerCheck,
            input: input, stagingArea: stagingArea, staging: staging, channels: channels))
    }

    /// Writes the recording's description (the file's metadata, the user's, the start time, the
    /// original container where it is kept) into its staging area; the report with the warnings
    /// this adds. Blocking. Removes the staging area when it fails.
    private func describe(
        _ prepared: PreparedImport, file: String, report encoded: ImportReport, userMetadata: JSONValue?, startTime: String?, timeZone: TimeZoneSpec?, sourcePath: String?
    ) throws(CodecError) -> ImportReport {
        var report = encoded
        let (backend, size, sha256, decodedInput) = (prepared.backend, prepared.size, prepared.sha256, prepared.decodedInput)
        if let warning = RecordingMetadata.truncationWarning(for: file) { report.warnings.append(warning) }
        do {
            var group = try prepared.stagingArea.group()
            var facts = group.attributes[RecordingLayout.attributeKey]?.objectValue ?? [:]
            facts.merge(RecordingMetadata.read(from: file, user: userMetadata, startTime: startTime, timeZone: timeZone)) { _, new in new }
            if let change = facts["start_time"]?["clock_change"]?.stringValue { report.warnings.append(change) }
            if let expanded = RecordingMetadata.timeExpansionWarning(facts) { report.warnings.append(expanded) }
            if let total = facts["total_samples"]?.intValue, let rate = facts["sample_rate"]?.intValue, rate > 0 {
                facts["duration_s"] = .double(Double(total) / Double(rate))
            }
            // The recording describes the original file, also when a decoded or split copy was imported.
            var source = facts["source"]?.objectValue ?? [:]
            source["file_name"] = .string((file as NSString).lastPathComponent)
            source["relative_path"] = .string(sourcePath ?? (file as NSString).lastPathComponent)
            source["absolute_path"] = .string(URL(fileURLWithPath: file).standardizedFileURL.path)
            source["size_bytes"] = .int(size)
            source["sha256"] = .string(sha256)
            if let modified = prepared.initially?.modified {
                source["mtime"] = .string(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: modified)))
            }
            if source["tags"] == nil, let tags = (try? PCMFileReader(path: file))?.tags, !tags.isEmpty {
                source["tags"] = .object(tags.mapValues(JSONValue.string))
            }
            if let decodedInput {
                source["container"] = .string(decodedInput.description)
                source["decoded_by"] = .string(decodedInput.decodedBy)
                if let warning = decodedInput.warning { report.warnings.append(warning) }
                if let notKept = decodedInput.notKept { source["container_bytes_not_kept"] = .string(notKept) }
            } else if prepared.channels > backend.maximumChannels, let original = try? PCMFileReader(path: file) {
                source["container"] = .string(original.containerName)
            }
            if decodedInput == nil, !report.copiedVerbatim, backend.isLossless, facts["encoding"]?["decoded_from_lossy"] != true {
                switch OriginalContainer.capture(file, sha256: sha256, size: size, observed: prepared.containerCheck, into: group) {
                case .success(let kept): source["container_bytes"] = kept
                case .failure(let skipped):
                    source["container_bytes_not_kept"] = .string(skipped.reason)
                    // Whoever deletes the original after the import must know that `export` cannot give it back.
                    report.warnings.append("the original file cannot be exported byte for byte (\(skipped.reason)): its samples are kept, its other bytes are not, so keep the file if you need it whole")
                }
            }
            facts["source"] = .object(source)
            // Every warning of the import, those of the decode and the container included, stays with the recording.
            if !report.warnings.isEmpty { facts["import_warnings"] = .array(report.warnings.map(JSONValue.string)) }
            try group.setAttributes(group.attributes.merging([RecordingLayout.attributeKey: .object(facts)]) { _, new in new })
        } catch {
            prepared.stagingArea.remove()
            throw CodecError.store(error, "cannot record the metadata", file: file)
        }
        return report
    }

    /// Refuses to commit the import of `file` when the file is not what it was when the import
    /// began (another file now, another size or modification time, or not the size hashed):
    /// written while it was read (a copy from a card still running, a recorder still writing),
    /// what was read of it is not the file, and committing it would let its sha256 and samples
    /// stand for a file that no longer exists. Removes `pending` first.
    /// - Throws: ``CodecError/Code/storage`` naming the file and its sizes.
    private static func requireUnchanged(_ file: String, since initially: SourceFile.Status?, hashedBytes: Int64, else pending: any PendingRecording) throws(CodecError) {
        let now = SourceFile.status(file)
        guard let initially, let now, now.isUnchanged(since: initially), initially.size == hashedBytes else {
            pending.remove()
            let sizes = "\(hashedBytes) bytes read, \(now.map { "\($0.size) bytes" } ?? "gone") now"
            throw CodecError(.storage, "the file changed while it was being imported (\(sizes)): nothing was added; import it again once it is complete", file: file)
        }
    }

    /// Imports a recording with more channels than `backend` takes as channel groups (see
    /// ``ChannelGroups``), then describes the whole recording in `staging`'s attributes.
    private func importGroups(
        _ input: ImportSource, channels: Int, backend: any CodecBackend.Type, staging: ZarrGroup, scratch: String, options: ImportOptions
    ) async -> Result<ImportReport, CodecError> {
        let groups = ChannelGroups.plan(channels: channels, maximum: backend.maximumChannels)
        let files: [ImportSource]
        do { files = try ChannelGroups.split(input, groups: groups, into: scratch) } catch { return .failure(error) }
        var reports: [ImportReport] = []
        for (k, file) in files.enumerated() {
            let subgroup: ZarrGroup
            do { subgroup = try staging.createGroup("g\(k)") } catch {
                return .failure(CodecError.store(error, "cannot create channel group \(k)", file: storeName))
            }
            switch await Self.run(backend, file: file, into: subgroup, options: options) {
            case .success(let report): reports.append(report)
            case .failure(let error): return .failure(error)
            }
        }
        let first = reports[0]
        let total = reports.map(\.totalSamples).min() ?? 0
        let groupFacts = (try? staging.group("g0"))?.attributes[RecordingLayout.attributeKey]
        let description = RecordingDescription(
            codec: first.codec, sampleRate: first.sampleRate, channelCount: channels, bitsPerSample: first.bitsPerSample,
            totalSamples: total, arrays: [:], encoding: groupFacts?[RecordingDescription.Key.encoding]?.objectValue ?? [:],
            source: groupFacts?[RecordingDescription.Key.source]?.objectValue ?? [:],
            codecFacts: [RecordingDescription.Key.channelGroups: ChannelGroups.description(groups)])
        do { try RecordingLayout.store(description, in: staging) } catch { return .failure(error) }
        let report = ImportReport(
            codec: first.codec, blobBytes: reports.reduce(0) { $0 + $1.blobBytes }, totalSamples: total, sampleRate: first.sampleRate,
            channelCount: channels, bitsPerSample: first.bitsPerSample, copiedVerbatim: false, index: first.index,
            warnings: ["\(channels) channels stored as \(groups.count) channel groups of up to \(backend.maximumChannels)"] + reports.flatMap(\.warnings))
        return .success(report)
    }

    /// The streams a recording is stored in: the recording itself, or its channel groups.
    public func streams(of id: String) throws(CodecError) -> [(group: ZarrGroup, backend: any CodecBackend.Type)] {
        try streams(of: try recording(id), id: id)
    }

    /// The streams of the recording group `recording` (recording `id`).
    private func streams(of recording: ZarrGroup, id: String) throws(CodecError) -> [(group: ZarrGroup, backend: any CodecBackend.Type)] {
        let codec = recording.attributes[RecordingLayout.attributeKey]?["codec"]?.stringValue ?? ""
        guard let backend = codecs.backend(for: CodecID(codec)) else {
            throw CodecError(.unsupported, "recording \(id) uses codec '\(codec)', which this build does not have")
        }
        guard let groups = recording.attributes[RecordingLayout.attributeKey]?["channel_groups"]?.arrayValue else {
            return [(recording, backend)]
        }
        var result: [(group: ZarrGroup, backend: any CodecBackend.Type)] = []
        for entry in groups {
            guard let name = entry["group"]?.stringValue, let group = try? recording.group(name) else {
                throw CodecError(.incompleteRecording, "recording \(id) lacks its channel group \(entry["group"] ?? "?")", file: storeName)
            }
            result.append((group, backend))
        }
        return result
    }

    /// A reader for recording `id` (channel groups read as one stream); its reads tell a
    /// recording deleted while it was open from a damaged one (``OpenedRecording``).
    public func reader(for id: String) throws(CodecError) -> any RecordingReader {
        let recording = try recording(id)
        let streams = try streams(of: recording, id: id)
        var readers: [any RecordingReader] = []
        for (group, backend) in streams {
            let codec: any CodecBackend = backend.init()
            readers.append(try codec.openRecording(group))
        }
        let reader = readers.count == 1 ? readers[0] : GroupedRecordingReader(readers: readers)
        return OpenedRecording(reader: reader, id: id, group: recording)
    }

    /// Runs one backend's import (generic, so the backend type is concrete here).
    private static func run<Backend: CodecBackend>(_ backend: Backend.Type, file: ImportSource, into group: ZarrGroup, options: ImportOptions) async -> Result<ImportReport, CodecError> {
        do {
            return .success(try await Backend().importToZarr(from: file, into: group, options: options))
        } catch {
            return .failure(error)
        }
    }

    private func duplicate(of sha256: String) throws(CodecError) -> String? {
        try committer.recording(madeFrom: sha256, in: self)
    }
}
