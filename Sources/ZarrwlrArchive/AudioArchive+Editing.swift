#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import Foundation
import ObjectStore
import ZarrStore

extension AudioArchive {
    /// Ids are at most this (a damaged counter or a crafted `deleted/<id>` name cannot overflow them).
    static let maximumID = 1_000_000_000_000_000

    /// `name` as an id when it is one no larger than ``maximumID``.
    static func boundedID(_ name: String) -> Int? {
        Int(name).flatMap { (0...maximumID).contains($0) ? $0 : nil }
    }

    /// Deletes recording `id`, atomically: under the archive lock its id is remembered (never
    /// reused), then its folder is renamed out of the archive in one step and removed. Readers
    /// see it whole or not at all; the sha256 gate forgets it, so its source can be imported again.
    /// Its time index entries and spectrum overview go with it, and so do its rows in the
    /// annotation layers (each layer rewritten without them, after the recording is gone).
    /// - Returns: the layers that lost rows, with how many each.
    /// - Throws: ``CodecError/Code/invalidArgument`` when there is no such recording.
    @discardableResult
    public func delete(_ id: String) throws(CodecError) -> [(layer: String, rows: Int)] {
        if let deleted = try committer.delete(id, in: self) { timeIndex.forget(deleted) }
        // Derived data: an overview left by a delete cut short is never used (ids are not reused).
        try? SpectrumOverview.delete(id, from: store, folder: SpectrumOverview.folder(of: path))
        do {
            return try removeRows(ofRecordings: [id])
        } catch {
            throw CodecError(error.code, "the recording was deleted, but not all its rows in the annotation layers were removed (\(error.message)); their exports leave such rows out, and `aimport gc` removes them",
                             file: error.file, underlying: error, recording: id)
        }
    }

    /// How `set` changes a recording's start.
    public enum StartTimeChange: Sendable, Equatable {
        /// A new start: ISO 8601 with Z or an offset.
        case set(String)
        /// The start moved by this many seconds (a naive start stays naive).
        case shift(seconds: Double)
        /// The start's wall-clock time (naive, or as written with its offset) stated to be in this zone.
        case zone(TimeZoneSpec)
    }

    /// Changes recording `id`'s start time and/or user metadata in one atomic rewrite of its
    /// `zarr.json`, keeping the old values in its `history` list (with the time of the change).
    /// - Parameters:
    ///   - startTime: ISO 8601 with Z or an offset; recorded with source `user`.
    ///   - metadata: replaces the user metadata (`metadata.user`).
    public func update(_ id: String, startTime: String? = nil, metadata: JSONValue? = nil) throws(CodecError) {
        try update(id, start: startTime.map(StartTimeChange.set), metadata: metadata)
    }

    /// Changes recording `id`'s start (set, shifted, or placed in a zone) and/or user metadata
    /// in one atomic rewrite of its `zarr.json`, the old values kept in its `history` list.
    /// - Throws: ``CodecError/Code/invalidArgument`` for an invalid start, nothing to change, or a
    ///   shift or zone for a recording whose start is unknown.
    public func update(_ id: String, start: StartTimeChange?, metadata: JSONValue?) throws(CodecError) {
        if case .set(let text)? = start, Instant(text) == nil {
            throw CodecError(.invalidArgument, "the start time must be ISO 8601 with seconds and an offset or Z, not '\(text)'", recording: id)
        }
        guard start != nil || metadata != nil else {
            throw CodecError(.invalidArgument, "nothing to change: give a start time or metadata", recording: id)
        }
        try committer.excludingWriters(of: self) { () throws(CodecError) in
            try changeFacts(of: id, start: start, metadata: metadata)
        }
    }

    /// Rewrites recording `id`'s facts as stored now (compare-and-swap on object storage; other
    /// writers kept out on a filesystem, ``RecordingCommitter/excludingWriters(of:_:)``). The history entry carries a unique
    /// change token, so that a write whose response was lost and is read back is recognised as
    /// done and never appended twice.
    private func changeFacts(of id: String, start: StartTimeChange?, metadata: JSONValue?) throws(CodecError) {
        var group = try recording(id)
        let before = Summary(id: id, attributes: group.attributes[RecordingLayout.attributeKey] ?? [:])
        let token = UUID().uuidString.lowercased()
        var refusal: CodecError?
        do {
            try group.changeAttributes { stored in
                let facts = stored[RecordingLayout.attributeKey]?.objectValue ?? [:]
                if facts["history"]?.arrayValue?.contains(where: { $0["change"]?.stringValue == token }) == true { return nil }
                do throws(CodecError) {
                    let changed = try Self.updated(facts, start: start, metadata: metadata, token: token)
                    return stored.merging([RecordingLayout.attributeKey: .object(changed)]) { _, new in new }
                } catch {
                    refusal = error
                    return nil
                }
            }
        } catch where error.code == .nodeNotFound {
            throw CodecError(.invalidArgument, "no recording '\(id)' in the archive (it was deleted)", file: storeName, recording: id)
        } catch {
            throw CodecError.store(error, "cannot update the recording's metadata", file: storeName).inRecording(id)
        }
        if let refusal { throw refusal.inRecording(id) }
        // The entries for the new start (the attributes as written); those of the old one that it lacks go.
        let after = Summary(id: id, attributes: group.attributes[RecordingLayout.attributeKey] ?? [:])
        try timeIndex.record(after)
        timeIndex.forget(before, keeping: after)
    }

    /// `facts` with the new start and/or user metadata, the old values appended to `history`.
    static func updated(_ given: [String: JSONValue], start: StartTimeChange?, metadata: JSONValue?, token: String) throws(CodecError) -> [String: JSONValue] {
        var facts = given
        var old: [String: JSONValue] = [
            "changed_at": .string(Instant(secondsSinceEpoch: Date().timeIntervalSince1970.rounded()).text), "change": .string(token),
        ]
        if let start {
            let previous = facts["start_time"]
            old["start_time"] = previous ?? .null
            facts["start_time"] = try Self.newStart(previous, start)
        }
        if let metadata {
            var all = facts["metadata"]?.objectValue ?? [:]
            old["metadata_user"] = all["user"] ?? .null
            all["user"] = metadata
            facts["metadata"] = .object(all)
        }
        facts["history"] = .array((facts["history"]?.arrayValue ?? []) + [.object(old)])
        return facts
    }

    /// The `start_time` attribute after `change` of `previous`.
    static func newStart(_ previous: JSONValue?, _ change: StartTimeChange) throws(CodecError) -> JSONValue {
        let text = previous?["iso8601"]?.stringValue ?? ""
        let source = previous?["source"]?.stringValue ?? "user"
        switch change {
        case .set(let text):
            return ["iso8601": .string(text), "source": "user"]
        case .shift(let seconds):
            if let instant = Instant(text) {
                return ["iso8601": .string(instant.adding(seconds: seconds).text), "source": .string(source), "shifted_s": .double(seconds)]
            }
            if let local = LocalTime(text) {
                guard case .object(var naive) = RecordingMetadata.startTime(local.adding(seconds: seconds), source: source, in: nil) else { break }
                naive["shifted_s"] = .double(seconds)
                return .object(naive)
            }
        case .zone(let zone):
            // The wall-clock time as written (naive, or with its offset), stated to be in `zone`.
            let local = LocalTime(text) ?? Instant(text).map { LocalTime(secondsOnItsClock: $0.secondsSinceEpoch + Double($0.offsetMinutes * 60)) }
            if let local { return RecordingMetadata.startTime(local, source: source, in: zone) }
        }
        throw CodecError(.invalidArgument, "the recording has no start time to shift or place in a zone; give one with --start-time")
    }
}
