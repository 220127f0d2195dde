import AudioInput
import CodecCore
import Foundation
import ZarrStore

extension AudioArchive {
    /// What ``verify(_:)`` found wrong with a recording: which part is damaged, how, and what
    /// repairs it.
    public struct Finding: Sendable, CustomStringConvertible {
        /// "metadata", "blob" or "index".
        public let part: String
        public let problem: String
        public let repair: String
        public var description: String { "\(part) damaged: \(problem) (repair: \(repair))" }
    }

    /// Reads that `verify` keeps in flight on object storage.
    static let roundTripReads = 16

    /// Checks recording `id`: its metadata, the checksum of every frame or page of its blob
    /// (and the sha256 of a 1:1 copy), and whether its stored index equals a fresh build.
    /// Empty when it is intact. Never throws for damage, only reports it.
    public func verify(_ id: String) async -> [Finding] {
        let reimport = "delete the recording and import the source again"
        let streams: [(group: ZarrGroup, backend: any CodecBackend.Type)]
        do {
            streams = try self.streams(of: id)
        } catch {
            return [Finding(part: "metadata", problem: error.message, repair: "restore \(id)/zarr.json from a backup, or \(reimport)")]
        }
        var findings: [Finding] = []
        var options = IndexOptions()
        // From object storage the reads wait for requests: more of them in flight than the cores.
        options.workers = max(ProcessInfo.processInfo.activeProcessorCount, readsAreRoundTrips ? Self.roundTripReads : 0)
        for (stream, backend) in streams {
            let codec: any CodecBackend = backend.init()
            var blobIntact = true
            do {
                let damage = try await codec.damagedRegions(in: stream, options: options)
                blobIntact = damage.isEmpty
                for problem in damage.prefix(20) { findings.append(Finding(part: "blob", problem: problem, repair: reimport)) }
                if damage.count > 20 { findings.append(Finding(part: "blob", problem: "\(damage.count - 20) more damaged stretches", repair: reimport)) }
            } catch where error.code == .missingData || error.code == .corrupt && error.message.contains("shard") || Self.names(error, blobOf: stream) {
                blobIntact = false
                findings.append(Finding(part: "blob", problem: error.description, repair: reimport))
            } catch {
                findings.append(Finding(part: "index", problem: error.description, repair: "aimport index \(id)"))
                continue
            }
            guard blobIntact else { continue }
            do {
                if !(try await codec.storedIndexMatches(in: stream, options: options)) {
                    findings.append(Finding(part: "index", problem: "'\(stream.path)' differs from a fresh build of its intact blob", repair: "aimport index \(id)"))
                }
            } catch {
                findings.append(Finding(part: "index", problem: error.description, repair: "aimport index \(id)"))
            }
        }
        if let group = try? recording(id), let facts = group.attributes[RecordingLayout.attributeKey],
           facts["encoding"]?["copied_verbatim"] == true, let backend = streams.first?.backend {
            let hash = MessageDigest(.sha256)
            do {
                try forEachBlobPiece(of: group, codec: backend.codecID) { hash.update($0) }
                if MessageDigest.hex(hash.finalize()) != facts["source"]?["sha256"]?.stringValue {
                    findings.append(Finding(part: "blob", problem: "its sha256 differs from the source's", repair: reimport))
                }
            } catch {
                findings.append(Finding(part: "blob", problem: error.description, repair: reimport))
            }
        }
        return findings
    }

    /// Whether `error` is about the blob array of `stream` (its metadata or its bytes), which
    /// rebuilding the index cannot repair, rather than about the index.
    private static func names(_ error: CodecError, blobOf stream: ZarrGroup) -> Bool {
        let blob = stream.path.isEmpty ? RecordingLayout.blobArrayName : stream.path + "/" + RecordingLayout.blobArrayName
        return [error.file, (error.underlying as? ZarrError)?.key].contains { named in
            named.map { $0 == blob || $0.hasPrefix(blob + "/") } ?? false
        }
    }

    /// Removes what imports whose importer is gone left behind (staging folders; on object
    /// storage their claims, objects and sha256 markers); returns how many imports.
    /// - Parameter staleAfter: on object storage, claims of importers on other hosts older than
    ///   this many seconds count as abandoned (an importer on this host counts once its process is gone).
    @discardableResult
    public func removeStaleStaging(staleAfter: Double? = nil) -> Int {
        committer.collectGarbage(in: self, staleAfter: staleAfter)
    }

    /// Writes the original file of a recording back out and checks its sha256: a 1:1 copy's
    /// blob, or a lossless encode's samples written back into the source's kept container
    /// (WAV, RF64, W64, AIFF: ``OriginalContainer``). The file is written beside `path` and
    /// renamed to it only when its sha256 is the recorded one, so a failed export leaves nothing.
    /// - Parameter replacing: whether an existing file at `path` is replaced (false: refused,
    ///   atomically).
    /// - Throws: as ``exportChecked(_:writingTo:)``; ``CodecError/Code/cannotCreate`` when the
    ///   file cannot be put in place.
    public func export(_ id: String, to path: String, replacing: Bool = true) throws(CodecError) -> (bytes: Int64, sha256: String) {
        let partial = path + ".zarrwlr-partial-" + UUID().uuidString
        defer { unlink(partial) }
        let written = try exportChecked(id, writingTo: partial)
        // Without `replacing`, link(2) refuses a file that is there (EEXIST) instead of replacing it.
        guard (replacing ? rename(partial, path) : link(partial, path)) == 0 else {
            let reason = errno == EEXIST ? "the file exists; nothing was replaced" : String(cString: strerror(errno))
            throw CodecError(.cannotCreate, "cannot create: \(reason)", file: path, recording: id)
        }
        return written
    }

    /// Writes the original file of a recording to `partial` and checks its sha256, leaving it to
    /// the caller to put the file in place (or remove it: it is not removed on failure).
    /// - Throws: ``CodecError/Code/invalidArgument`` for a recording whose original cannot be
    ///   recreated (lossy, or its container was not kept), ``CodecError/Code/corrupt`` when the
    ///   written file's sha256 is not the recorded one.
    public func exportChecked(_ id: String, writingTo partial: String) throws(CodecError) -> (bytes: Int64, sha256: String) {
        let group = try recording(id)
        let facts = group.attributes[RecordingLayout.attributeKey]
        let expected = facts?["source"]?["sha256"]?.stringValue ?? "?"
        let copied = facts?["encoding"]?["copied_verbatim"] == true
        let container = facts?["source"]?["container_bytes"]
        guard copied || container != nil else {
            let why = facts?["source"]?["container_bytes_not_kept"]?.stringValue.map { " (\($0))" } ?? ""
            throw CodecError(.invalidArgument, "recording \(id) was encoded from a \(facts?["source"]?["container"]?.stringValue ?? "PCM") file whose container was not kept\(why); use extract", recording: id)
        }
        let file = try ByteOutput.file(partial)
        var bytes: Int64 = 0
        if let container, !copied {
            bytes = try OriginalContainer.export(container, group: group, reader: try reader(for: id), to: file)
        } else {
            guard let backend = try streams(of: id).first?.backend else {
                throw CodecError(.invalidArgument, "recording \(id) has no stream to export", recording: id)
            }
            var failure: CodecError?
            try forEachBlobPiece(of: group, codec: backend.codecID) { piece in
                guard failure == nil else { return }
                piece.withUnsafeBytes { raw in
                    do throws(CodecError) { try file.writeFile(raw) } catch { failure = error }
                }
                bytes += Int64(piece.count)
            }
            if let failure { throw failure }
        }
        try file.finish()
        let (_, sha) = try SourceFile.sizeAndSHA256(partial)
        guard sha == expected else {
            throw CodecError(.corrupt, "the exported file's sha256 \(sha) differs from the recorded \(expected); nothing written", file: partial, recording: id)
        }
        return (bytes, sha)
    }

    /// Rebuilds the index of every stream of a recording, or with `verifyOnly` compares the stored
    /// ones with a fresh build. Returns one line per stream.
    public func index(_ id: String, options: IndexOptions, verifyOnly: Bool) async throws(CodecError) -> [(stream: String, matches: Bool?, report: IndexReport?)] {
        // On a filesystem the rebuild holds the archive lock, so that no `set` or `delete` comes
        // between; on object storage each table switch is a compare-and-swap (IndexTable).
        guard !verifyOnly else { return try await indexStreams(of: id, options: options, verifyOnly: verifyOnly) }
        return try await committer.excludingWriters(of: self) { () async throws(CodecError) in
            try await indexStreams(of: id, options: options, verifyOnly: verifyOnly)
        }
    }

    private func indexStreams(of id: String, options: IndexOptions, verifyOnly: Bool) async throws(CodecError) -> [(stream: String, matches: Bool?, report: IndexReport?)] {
        var results: [(stream: String, matches: Bool?, report: IndexReport?)] = []
        for (stream, backend) in try streams(of: id) {
            let codec: any CodecBackend = backend.init()
            let name = stream.path.split(separator: "/").last.map(String.init) ?? id
            if verifyOnly {
                results.append((name, try await codec.storedIndexMatches(in: stream, options: options), nil))
            } else {
                results.append((name, nil, try await codec.buildIndex(in: stream, options: options)))
            }
        }
        return results
    }

    /// The blob of `group` in shard-sized pieces, in order.
    private func forEachBlobPiece(of group: ZarrGroup, codec: CodecID, _ body: ([UInt8]) -> Void) throws(CodecError) {
        let blob = try RecordingLayout.openBlob(in: group, codec: codec)
        var offset: Int64 = 0
        while offset < blob.length {
            let end = min(blob.length, offset + Int64(RecordingLayout.blobShardBytes))
            body(try blob.read(offset..<end))
            offset = end
        }
    }
}
