import ArgumentParser
import CodecCore
import Foundation
import ZarrStore
import ZarrwlrArchive

/// `aimport summary`: what each recorder or site recorded, per night, day or hour.
struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Summarise a deployment: hours recorded per device or site and per night, day or hour, with gaps, overlaps, stop reasons, battery and temperature.",
        discussion: """
            A recording counts in the period where it starts; its seconds are split over the periods it \
            covers, so the seconds of all periods add up to those of `list --json` (total samples over \
            rate). A night runs from noon to noon in --timezone (default UTC) and is named by its \
            evening's date. Gaps are the silences between consecutive recordings of a group longer than \
            --min-gap seconds; recordings with no known start instant are counted apart. Stop reasons, \
            battery and temperature come from the AudioMoth comment. \
            Example: aimport summary --store season.zarr --by device --per night --timezone Europe/Berlin
            """)

    @OptionGroup var location: ArchiveLocation
    @Option(help: "device, site (the user's 'site' metadata, else the first folder of the imported path) or all.") var by: String = "device"
    @Option(help: "night, day, hour or all.") var per: String = "night"
    @Option(help: "The zone the periods are read in: an offset (+02:00) or an IANA name; default UTC.") var timezone: String = "UTC"
    @Option(help: "Report gaps longer than this many seconds.") var minGap: Double = 1
    @Flag(help: "Print a JSON array of rows.") var json = false

    func validate() throws {
        guard DeploymentSummary.Grouping(rawValue: by) != nil else { throw ValidationError("--by must be device, site or all, not '\(by)'") }
        guard DeploymentSummary.Period(rawValue: per) != nil else { throw ValidationError("--per must be night, day, hour or all, not '\(per)'") }
        guard TimeZoneSpec(timezone) != nil else { throw ValidationError("--timezone must be an offset such as +02:00 or an IANA name such as Europe/Berlin, not '\(timezone)'") }
        guard minGap.isFinite, minGap >= 0 else { throw ValidationError("--min-gap must be 0 or more seconds, not \(minGap)") }
    }

    func run() throws {
        let recordings: [AudioArchive.Summary]
        do {
            recordings = try location.archive().recordings()
        } catch {
            throw ExitCode.reporting(error)
        }
        let summary = DeploymentSummary(
            recordings, by: DeploymentSummary.Grouping(rawValue: by) ?? .device, per: DeploymentSummary.Period(rawValue: per) ?? .night,
            zone: TimeZoneSpec(timezone) ?? TimeZoneSpec("Z")!, minimumGap: minGap)
        if json {
            var rows = summary.rows.map(\.json)
            for (group, unplaced) in summary.unplaced.sorted(by: { $0.key < $1.key }) {
                let object: [String: JSONValue] = [
                    "group": .string(group), "period": .string("unplaced"), "recordings": .int(Int64(unplaced.recordings)),
                    "seconds": .double(unplaced.seconds), "hours": .double(unplaced.seconds / 3600),
                ]
                rows.append(.object(object))
            }
            print(String(decoding: JSONValue.array(rows).serialized(), as: UTF8.self))
            return
        }
        print("\(by)\t\(per)\trecordings\thours\tfirst\tlast\tgaps\tlongest gap (s)\toverlaps\tduty cycle\tstop reasons\tbattery (V)\ttemperature (C)")
        for row in summary.rows {
            let range = { (r: ClosedRange<Double>?) -> String in r.map { String(format: "%.1f-%.1f", $0.lowerBound, $0.upperBound) } ?? "-" }
            let longest: String = row.gaps.map(\.seconds).max().map { String(format: "%.1f", $0) } ?? "-"
            let reasons: String = row.stopReasons.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            let first: String = row.first.isFinite ? Instant.utcText(row.first) : "-"
            let last: String = row.last.isFinite ? Instant.utcText(row.last) : "-"
            let duty: String = row.dutyCycle.map { String(format: "%.3f", $0) } ?? "-"
            let fields: [String] = [
                row.group, row.period, String(row.recordings), String(format: "%.3f", row.seconds / 3600), first, last,
                String(row.gaps.count), longest, String(row.overlaps), duty, reasons, range(row.battery), range(row.temperature),
            ]
            print(fields.map(TerminalText.escaped).joined(separator: "\t"))
        }
        for (group, unplaced) in summary.unplaced.sorted(by: { $0.key < $1.key }) {
            print("\(TerminalText.escaped(group))\tunplaced (no start instant)\t\(unplaced.recordings)\t\(String(format: "%.3f", unplaced.seconds / 3600))")
        }
    }
}
