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
        options.workers = ProcessInfo.processInfo.activeProcessorCount
        for (stream, backend) in streams {
            let codec: any CodecBackend = backend.init()
            var blobIntact = true
            do {
                let damage = try await codec.damagedRegions(in: stream, options: options)
                blobIntact = damage.isEmpty
                for problem in damage.prefix(20) { findings.append(Finding(part: "blob", problem: problem, repair: reimport)) }
                if damage.count > 20 { findings.append(Finding(part: "blob", problem: "\(damage.count - 20) more damaged stretches", repair: reimport)) }
            } catch where error.code == .missingData || error.code == .corrupt && error.message.contains("shard") {
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
            let hash = SHA256()
            do {
                try forEachBlobPiece(of: group, codec: backend.codecID) { hash.update($0) }
                if SHA256.hex(hash.finalize()) != facts["source"]?["sha256"]?.stringValue {
                    findings.append(Finding(part: "blob", problem: "its sha256 differs from the source's", repair: reimport))
                }
            } catch {
                findings.append(Finding(part: "blob", problem: error.description, repair: reimport))
            }
        }
        return findings
    }

    /// Removes the staging folders of imports whose importer is gone; returns how many.
    @discardableResult
    public func removeStaleStaging() -> Int {
        Staging.removeStale(in: self)
    }

    /// Writes a 1:1-copied recording back out as the original file and checks its sha256.
    /// - Throws: ``CodecError/Code/invalidArgument`` for an encoded recording,
    ///   ``CodecError/Code/corrupt`` when the written file's sha256 is not the recorded one.
    public func export(_ id: String, to path: String) throws(CodecError) -> (bytes: Int64, sha256: String) {
        let group = try recording(id)
        let facts = group.attributes[RecordingLayout.attributeKey]
        guard facts?["encoding"]?["copied_verbatim"] == true, let backend = try streams(of: id).first?.backend else {
            throw CodecError(.invalidArgument, "recording \(id) was encoded from a \(facts?["source"]?["container"]?.stringValue ?? "PCM") file, not copied; use extract")
        }
        let file = try ByteOutput.file(path)
        var bytes: Int64 = 0
        var failure: CodecError?
        try forEachBlobPiece(of: group, codec: backend.codecID) { piece in
            guard failure == nil else { return }
            piece.withUnsafeBytes { raw in
                do throws(CodecError) { try file.writeFile(raw) } catch { failure = error }
            }
            bytes += Int64(piece.count)
        }
        if let failure { throw failure }
        try file.finish()
        let (_, sha) = try SourceFile.sizeAndSHA256(path)
        guard sha == facts?["source"]?["sha256"]?.stringValue else {
            throw CodecError(.corrupt, "the exported file's sha256 \(sha) differs from the recorded \(facts?["source"]?["sha256"]?.stringValue ?? "?")", file: path)
        }
        return (bytes, sha)
    }

    /// Rebuilds the index of every stream of a recording, or with `verifyOnly` compares the stored
    /// ones with a fresh build. Returns one line per stream.
    public func index(_ id: String, options: IndexOptions, verifyOnly: Bool) async throws(CodecError) -> [(stream: String, matches: Bool?, report: IndexReport?)] {
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
