import CodecCore
import Foundation
import ZarrStore

/// What a deployment recorded, per recorder (or site) and per night, day or hour: recordings,
/// seconds recorded, first and last instant, the gaps between consecutive recordings longer
/// than a threshold and the overlaps, AudioMoth stop reasons, battery and temperature ranges,
/// and the duty cycle as recorded (seconds recorded over the span from first start to last end).
///
/// A recording counts in the period where it starts; its seconds are split over the periods it
/// covers, so the seconds of all periods add up to the seconds of the recordings (`list`'s total
/// samples over rate). Periods are read in `zone` (UTC by default): a day is a calendar day, a
/// night runs from noon to noon and is named by its evening's date. Recordings whose start
/// instant is unknown (or naive) have no place in time: they are counted apart (`unplaced`).
public struct DeploymentSummary: Sendable {
    public enum Grouping: String, Sendable, CaseIterable { case device, site, all }
    public enum Period: String, Sendable, CaseIterable { case night, day, hour, all }

    /// One group in one period.
    public struct Row: Sendable {
        public let group: String
        public let period: String
        public var recordings = 0
        public var seconds = 0.0
        public var first: Double = .infinity
        public var last: Double = -.infinity
        public var gaps: [(start: Double, seconds: Double)] = []
        public var overlapSeconds = 0.0
        public var overlaps = 0
        public var stopReasons: [String: Int] = [:]
        public var battery: ClosedRange<Double>?
        public var temperature: ClosedRange<Double>?

        /// Seconds recorded over the span from the first start to the last end.
        public var dutyCycle: Double? { last > first ? seconds / (last - first) : nil }

        public var json: JSONValue {
            var object: [String: JSONValue] = [
                "group": .string(group), "period": .string(period), "recordings": .int(Int64(recordings)),
                "seconds": .double(seconds), "hours": .double(seconds / 3600),
                "gaps": .array(gaps.map { .object(["start": .string(Instant.utcText($0.start)), "seconds": .double($0.seconds)]) }),
                "overlaps": .int(Int64(overlaps)), "overlap_seconds": .double(overlapSeconds),
                "stop_reasons": .object(stopReasons.mapValues { .int(Int64($0)) }),
            ]
            if first.isFinite { object["first"] = .string(Instant.utcText(first)) }
            if last.isFinite { object["last"] = .string(Instant.utcText(last)) }
            if let dutyCycle { object["duty_cycle"] = .double(dutyCycle) }
            if let battery { object["battery_v"] = .array([.double(battery.lowerBound), .double(battery.upperBound)]) }
            if let temperature { object["temperature_c"] = .array([.double(temperature.lowerBound), .double(temperature.upperBound)]) }
            return .object(object)
        }
    }

    public let rows: [Row]
    /// Recordings without a start instant, by group.
    public let unplaced: [String: (recordings: Int, seconds: Double)]

    public init(_ recordings: [AudioArchive.Summary], by grouping: Grouping, per period: Period, zone: TimeZoneSpec, minimumGap: Double) {
        var rows: [String: Row] = [:]
        var unplaced: [String: (recordings: Int, seconds: Double)] = [:]
        var lastEnd: [String: Double] = [:]
        let placed = recordings.compactMap { summary -> (AudioArchive.Summary, Double, Double)? in
            guard summary.damage == nil, let duration = summary.duration else { return nil }
            guard let start = summary.startInstant?.secondsSinceEpoch else {
                let key = Self.group(of: summary, grouping)
                unplaced[key, default: (0, 0)].recordings += 1
                unplaced[key, default: (0, 0)].seconds += duration
                return nil
            }
            return (summary, start, duration)
        }.sorted { ($0.1, Int($0.0.id) ?? .max) < ($1.1, Int($1.0.id) ?? .max) }
        for (summary, start, duration) in placed {
            let group = Self.group(of: summary, grouping)
            let end = start + duration
            let key = { (period: String) in group + "\u{0}" + period }
            let startPeriod = Self.period(of: start, period, zone)
            var row = rows[key(startPeriod.name)] ?? Row(group: group, period: startPeriod.name)
            row.recordings += 1
            if let previous = lastEnd[group] {
                if start - previous > minimumGap { row.gaps.append((previous, start - previous)) }
                if start < previous {
                    row.overlaps += 1
                    row.overlapSeconds += min(previous, end) - start
                }
            }
            lastEnd[group] = max(lastEnd[group] ?? end, end)
            let audioMoth = summary.attributes["metadata"]?["audiomoth"]
            if let reason = audioMoth?["stop_reason"]?.stringValue { row.stopReasons[reason, default: 0] += 1 }
            if let volts = audioMoth?["battery_v"]?.doubleValue { row.battery = Self.widened(row.battery, volts) }
            if let celsius = audioMoth?["temperature_c"]?.doubleValue { row.temperature = Self.widened(row.temperature, celsius) }
            rows[key(startPeriod.name)] = row
            // Seconds (and the first and last instants) go to each period the recording covers.
            var cursor = start
            while cursor < end {
                let here = Self.period(of: cursor, period, zone)
                let upTo = min(end, here.end)
                var part = rows[key(here.name)] ?? Row(group: group, period: here.name)
                part.seconds += upTo - cursor
                part.first = min(part.first, cursor)
                part.last = max(part.last, upTo)
                rows[key(here.name)] = part
                guard upTo > cursor else { break }
                cursor = upTo
            }
        }
        self.rows = rows.values.sorted { ($0.group, $0.period) < ($1.group, $1.period) }
        self.unplaced = unplaced
    }

    private static func widened(_ range: ClosedRange<Double>?, _ value: Double) -> ClosedRange<Double> {
        guard let range else { return value...value }
        return min(range.lowerBound, value)...max(range.upperBound, value)
    }

    /// The recorder (`device`), the site (the user's `site`, else the first folder of the
    /// imported path), or one group.
    static func group(of summary: AudioArchive.Summary, _ grouping: Grouping) -> String {
        switch grouping {
        case .all: return "all"
        case .device: return summary.device ?? "unknown"
        case .site:
            if let site = summary.attributes["metadata"]?["user"]?["site"]?.stringValue { return site }
            let relative = summary.attributes[RecordingDescription.Key.source]?["relative_path"]?.stringValue ?? ""
            let parts = relative.split(separator: "/")
            return parts.count > 1 ? String(parts[0]) : "unknown"
        }
    }

    /// The period holding instant `seconds`: its name and the instant it ends.
    static func period(of seconds: Double, _ period: Period, _ zone: TimeZoneSpec) -> (name: String, end: Double) {
        guard period != .all else { return ("all", .infinity) }
        let offset = Double(zone.offsetMinutes(atInstant: seconds) * 60)
        let local = seconds + offset
        let length: Double = period == .hour ? 3600 : 86_400
        let shift: Double = period == .night ? 43_200 : 0  // a night starts at noon
        let begin = ((local - shift) / length).rounded(.down) * length + shift
        let text = Instant(secondsSinceEpoch: begin).text
        let name = period == .hour ? String(text.prefix(13)) + ":00" : String(text.prefix(10))
        return (name, begin + length - offset)
    }
}
