import ArgumentParser
import AudioImport
import CodecCore
import Foundation
import ZarrStore

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete recordings from the archive, atomically.",
        discussion: """
            Each recording disappears in one step (readers see it whole or not at all); its id is never \\
            reused, and its source can be imported again. Example: aimport delete --store season.zarr 3
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
                try archive.delete(id)
                print("deleted recording \(id)")
            }
        } catch {
            throw ExitCode.reporting(error)
        }
    }
}

struct SetMetadata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Correct a recording's start time or metadata; the old values are kept in its history.",
        discussion: "Example: aimport set --store season.zarr 3 --start-time 2025-04-16T04:30:00+02:00 --meta '{\"site\": \"B\"}'")

    @OptionGroup var location: ArchiveLocation
    @Argument(help: "The recording's id.") var id: String
    @Option(help: "The start instant: ISO 8601 with Z or an offset.") var startTime: String?
    @Option(help: "Your metadata (replaces the earlier): a JSON object, or @file.json.") var meta: String?

    func validate() throws {
        guard startTime != nil || meta != nil else { throw ValidationError("give --start-time and/or --meta") }
        if let startTime, Instant(startTime) == nil {
            throw ValidationError("--start-time must be ISO 8601 with seconds and Z or an offset (2025-04-16T04:30:00Z), not '\(startTime)'")
        }
        if let meta, MetaOption.parse(meta) == nil { throw ValidationError("--meta must be a JSON object or @file holding one") }
    }

    func run() throws {
        do {
            try location.archive().update(id, startTime: startTime, metadata: meta.flatMap(MetaOption.parse))
            print("updated recording \(id)")
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
            A filesystem archive: staging folders of importers that are gone. An S3 archive: the claims, \\
            objects and sha256 markers of importers that are gone (on this host: their process has \\
            ended; on another: the claim is older than --stale-after). `verify` does the same first. \\
            Example: aimport gc --store s3://season/archive
            """)

    @OptionGroup var location: ArchiveLocation
    @Option(help: "Seconds after which a claim of an importer on another host counts as abandoned (default 86400).")
    var staleAfter: Double?

    func validate() throws {
        if let staleAfter, !(staleAfter.isFinite && staleAfter >= 0) { throw ValidationError("--stale-after must be 0 or more seconds") }
    }

    func run() throws {
        do {
            let removed = try location.archive().removeStaleStaging(staleAfter: staleAfter)
            print("removed \(removed) interrupted imports")
        } catch {
            throw ExitCode.reporting(error)
        }
    }
}
