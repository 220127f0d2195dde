import ArgumentParser
import ZarrwlrArchive
import CodecCore
import Foundation
import ZarrStore

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete recordings from the archive, atomically.",
        discussion: """
            Each recording disappears in one step (readers see it whole or not at all); its id is never \
            reused, and its source can be imported again. Its rows in annotation layers are removed \
            with it. Example: aimport delete --store season.zarr 3
            """)

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "The recordings' ids.") var ids: [String]

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("give the id of at least one recording") }
    }

    func run() throws {
        do {
            let archive = try location.archive()
            for id in ids {
                let layers = try archive.delete(id)
                let rows = layers.map { "\($0.rows) row\($0.rows == 1 ? "" : "s") in layer \($0.layer)" }
                print("deleted recording \(id)" + (rows.isEmpty ? "" : " and its " + rows.joined(separator: ", ")))
            }
        } catch {
            throw ExitCode.reporting(error)
        }
    }
}

struct SetMetadata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Correct recordings' start times or metadata; the old values are kept in their history.",
        discussion: """
            Recordings are named by id (3, or a range 3-40) and/or chosen with --since/--until \
            (those with samples in that span). --start-time sets one recording's start; --shift-start \
            moves every chosen start by the same seconds (a clock that ran wrong); --timezone states \
            that the starts' wall-clock times (naive ones, or as written with their offset) are in \
            that zone. Examples: aimport set --store season.zarr 3 --start-time 2025-04-16T04:30:00+02:00 \
            --meta '{"site": "B"}'; aimport set --store season.zarr 10-250 --timezone Europe/Berlin; \
            aimport set --store season.zarr --since 2025-04-16T00:00:00Z --until 2025-04-20T00:00:00Z --shift-start -3600
            """)

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "Recording ids, or ranges of ids (3-40).") var ids: [String] = []
    @Option(help: "With --until: the recordings with samples at or after this instant.") var since: String?
    @Option(help: "With --since: the recordings with samples before this instant.") var until: String?
    @Option(help: "The start instant of one recording: ISO 8601 with Z or an offset.") var startTime: String?
    @Option(help: "Seconds to move every chosen start by (negative: earlier).") var shiftStart: Double?
    @Option(help: "The zone of the starts' wall-clock times: an offset (+02:00) or an IANA name (Europe/Berlin).") var timezone: String?
    @Option(help: "Your metadata (replaces the earlier): a JSON object, or @file.json.") var meta: String?

    func validate() throws {
        let changes = [startTime != nil, shiftStart != nil, timezone != nil].filter { $0 }.count
        guard changes > 0 || meta != nil else { throw ValidationError("give --start-time, --shift-start, --timezone and/or --meta") }
        guard changes <= 1 else { throw ValidationError("give one of --start-time, --shift-start and --timezone") }
        guard !ids.isEmpty || since != nil || until != nil else {
            throw ValidationError("name the recordings: ids (3, or 3-40) and/or --since/--until")
        }
        for id in ids where Self.idRange(id) == nil {
            throw ValidationError("'\(id)' is not a recording id or a range of ids such as 3-40")
        }
        if let startTime, Instant(startTime) == nil {
            throw ValidationError("--start-time must be ISO 8601 with seconds and Z or an offset (2025-04-16T04:30:00Z), not '\(startTime)'")
        }
        if let shiftStart, !(shiftStart.isFinite && abs(shiftStart) <= 1e10) { throw ValidationError("--shift-start must be a number of seconds") }
        if let timezone, TimeZoneSpec(timezone) == nil {
            throw ValidationError("--timezone must be an offset such as +02:00 or an IANA time zone name such as Europe/Berlin, not '\(timezone)'")
        }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, Instant(value) == nil { throw ValidationError("\(name) must be ISO 8601 with seconds and Z or an offset, not '\(value)'") }
        }
        if let meta, MetaOption.parse(meta) == nil { throw ValidationError("--meta must be a JSON object or @file holding one") }
    }

    /// "3" or "3-40" as a range of ids; nil when malformed or inverted.
    static func idRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let first = parts[0], let last = parts[parts.count - 1], first >= 0, last >= first else { return nil }
        return first...last
    }

    func run() throws {
        do throws(CodecError) {
            let archive = try location.archive()
            var chosen: [String] = []
            if since != nil || until != nil {
                chosen = try archive.recordings(since: since.flatMap(Instant.init), until: until.flatMap(Instant.init)).map(\.id)
            }
            let ranges = ids.compactMap(Self.idRange)
            if !ranges.isEmpty {
                let named = ranges.count == 1 && ranges[0].count == 1 ? [String(ranges[0].lowerBound)]
                    : try archive.recordingIDs().filter { id in Int(id).map { n in ranges.contains { $0.contains(n) } } ?? false }
                chosen = since == nil && until == nil ? named : chosen.filter(Set(named).contains)
            }
            guard !chosen.isEmpty else { throw CodecError(.invalidArgument, "no recording matches the ids and span given", file: location.store) }
            if startTime != nil, chosen.count > 1 {
                throw CodecError(.invalidArgument, "--start-time sets one recording's start, and \(chosen.count) are chosen; use --shift-start or --timezone for many", file: location.store)
            }
            let change: AudioArchive.StartTimeChange? = startTime.map { .set($0) } ?? shiftStart.map { .shift(seconds: $0) } ?? timezone.flatMap(TimeZoneSpec.init).map { .zone($0) }
            let metadata = meta.flatMap(MetaOption.parse)
            for id in chosen {
                try archive.update(id, start: change, metadata: metadata)
                let start = change == nil ? "" : ": start \(try archive.summary(id).startTime ?? "-")"
                print("updated recording \(id)\(start)")
            }
        } catch {
            throw ExitCode.reporting(error)
        }
    }
}

/// `--meta`: a JSON object given inline or as @file.
enum MetaOption {
    static func parse(_ text: String) -> JSONValue? {
        let content = text.hasPrefix("@") ? (try? String(contentsOfFile: String(text.dropFirst()), encoding: .utf8)) : text
        guard let content, let value = try? JSONValue(parsing: Array(content.utf8)), value.objectValue != nil else { return nil }
        return value
    }
}

struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove what interrupted imports left behind (never visible as recordings).",
        discussion: """
            A filesystem archive: staging folders of importers that are gone. An S3 archive: the claims, \
            objects and sha256 markers of importers that are gone (of this machine's boot: their process \
            has ended; else: the claim was not renewed for --stale-after seconds by the server's clock, \
            and is condemned first, so that a paused importer commits nothing). `verify` does the same first. \
            Also removes the annotation layers' rows of recordings no longer in the archive. \
            Example: aimport gc --store s3://season/archive
            """)

    @OptionGroup var location: ArchiveLocation
    @Option(help: "Seconds without renewal (by the S3 server's clock) after which a claim of an importer of another machine or boot counts as abandoned (default 600; live importers renew every 60 s).")
    var staleAfter: Double?

    func validate() throws {
        if let staleAfter, !(staleAfter.isFinite && staleAfter >= 0) { throw ValidationError("--stale-after must be 0 or more seconds") }
    }

    func run() throws {
        do {
            let archive = try location.archive()
            let removed = try archive.removeStaleStaging(staleAfter: staleAfter)
            print("removed \(removed) interrupted imports")
            for (layer, rows) in try archive.removeRowsOfMissingRecordings() {
                print("removed \(rows) row\(rows == 1 ? "" : "s") of deleted recordings from layer \(layer)")
            }
        } catch {
            throw ExitCode.reporting(error)
        }
    }
}
