import CodecCore
import Foundation
import ZarrStore

extension AudioArchive {
    /// What ``verify(_:)`` found wrong with a recording (empty when it is intact).
    public func verify(_ id: String) async throws(CodecError) -> [String] {
        var problems: [String] = []
        var options = IndexOptions()
        options.verifyEveryFrame = true
        options.workers = ProcessInfo.processInfo.activeProcessorCount
        for (stream, backend) in try streams(of: id) {
            let codec: any CodecBackend = backend.init()
            do {
                if !(try await codec.storedIndexMatches(in: stream, options: options)) {
                    problems.append("the index of '\(stream.path)' differs from its blob (damaged frames or pages)")
                }
            } catch {
                problems.append(error.description)
            }
        }
        let group = try recording(id)
        let facts = group.attributes[RecordingLayout.attributeKey]
        if facts?["encoding"]?["copied_verbatim"] == true, let backend = try streams(of: id).first?.backend {
            let hash = SHA256()
            try forEachBlobPiece(of: group, codec: backend.codecID) { hash.update($0) }
            if SHA256.hex(hash.finalize()) != facts?["source"]?["sha256"]?.stringValue {
                problems.append("the blob's sha256 differs from the source's")
            }
        }
        return problems
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
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw CodecError(.storage, "cannot create the output file", file: path)
        }
        var bytes: Int64 = 0
        try forEachBlobPiece(of: group, codec: backend.codecID) { piece in
            file.write(Data(piece))
            bytes += Int64(piece.count)
        }
        try? file.close()
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
