import Foundation

/// A date and time without a zone ("2025-04-16T04:30:00"): what a file name, a GUANO Timestamp
/// written without an offset (Pettersson, NABat exports) or a BWF bext date states. It names no
/// instant until a zone is given (``TimeZoneSpec``); until then it is kept as it was written.
public struct LocalTime: Sendable, Equatable {
    /// Seconds since 1970-01-01T00:00:00 of the same clock (as if the time were UTC).
    public let secondsOnItsClock: Double

    /// Parses a date and time with seconds and no offset (fractions allowed); nil for anything
    /// else, a time with an offset included.
    public init?(_ text: String) {
        guard Instant(text) == nil, let clock = Instant(text + "Z") else { return nil }
        secondsOnItsClock = clock.secondsSinceEpoch
    }

    public init(secondsOnItsClock: Double) {
        self.secondsOnItsClock = secondsOnItsClock
    }

    /// ISO 8601 without an offset (fractions as six digits when there are any).
    public var text: String { String(Instant(secondsSinceEpoch: secondsOnItsClock).text.dropLast()) }

    public func adding(seconds: Double) -> LocalTime { LocalTime(secondsOnItsClock: secondsOnItsClock + seconds) }

    /// The instant this time names in `zone`: in the hour a clock change repeats, the first of
    /// the two; in the hour one skips, the time as the clock before the change would have shown
    /// it (a recorder that keeps standard time). ``clockChange(in:)`` says when either happened.
    public func instant(in zone: TimeZoneSpec) -> Instant {
        instant(offsetMinutes: zone.offsetsMinutes(atLocal: secondsOnItsClock).first ?? zone.offsetMinutes(before: secondsOnItsClock))
    }

    /// Every instant this time can name in `zone`: one; two in the hour a clock change repeats
    /// (earlier first); none in the hour one skips.
    public func instants(in zone: TimeZoneSpec) -> [Instant] {
        zone.offsetsMinutes(atLocal: secondsOnItsClock).map(instant(offsetMinutes:))
    }

    /// What a reader of ``instant(in:)`` must know when this time is repeated or skipped by a
    /// clock change in `zone`; nil for every other time.
    public func clockChange(in zone: TimeZoneSpec) -> String? {
        let candidates = instants(in: zone)
        if candidates.count > 1, let first = candidates.first, let second = candidates.last {
            let seconds = Int(second.secondsSinceEpoch - first.secondsSinceEpoch)
            return "\(text) occurs twice in \(zone.text) (the clocks went back): taken as the first, \(first.text); if it was the second, \(second.text), move it with `aimport set ID --shift-start \(seconds)`"
        }
        guard candidates.isEmpty else { return nil }
        return "\(text) does not exist in \(zone.text) (the clocks went forward): taken as \(instant(in: zone).text), the time before the change (a recorder keeping standard time); move it with `aimport set ID --shift-start SECONDS` if the recorder meant another"
    }

    private func instant(offsetMinutes offset: Int) -> Instant {
        Instant(secondsSinceEpoch: secondsOnItsClock - Double(offset * 60), offsetMinutes: offset)
    }
}

/// A time zone a user names for times that state none: a fixed offset (`+02:00`, `-0330`, `Z`,
/// `UTC`) or an IANA name (`Europe/Berlin`, whose offset follows daylight saving time).
public struct TimeZoneSpec: Sendable, Equatable {
    /// As the user wrote it.
    public let text: String
    private let fixedMinutes: Int?
    private let identifier: String?

    /// nil when `text` is neither an offset of at most ±14:00 nor a time zone the system knows.
    public init?(_ text: String) {
        self.text = text
        if text == "Z" || text == "UTC" {
            (fixedMinutes, identifier) = (0, nil)
        } else if let match = text.wholeMatch(of: #/([+-])(\d{2}):?(\d{2})/#) {
            guard let hours = Int(match.output.2), let minutes = Int(match.output.3), hours <= 14, minutes < 60 else { return nil }
            (fixedMinutes, identifier) = ((match.output.1 == "-" ? -1 : 1) * (hours * 60 + minutes), nil)
        } else if text.contains("/"), TimeZone(identifier: text) != nil {
            (fixedMinutes, identifier) = (nil, text)
        } else {
            return nil
        }
    }

    /// The offset east of UTC, in minutes, at an instant (seconds since 1970 UTC) in this zone.
    public func offsetMinutes(atInstant seconds: Double) -> Int {
        if let fixedMinutes { return fixedMinutes }
        guard let identifier, let zone = TimeZone(identifier: identifier) else { return 0 }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds)) / 60
    }

    /// The offsets east of UTC, in minutes, a local time `local` (seconds on its clock) can have
    /// in this zone: one; two where a clock change repeats it (the earlier instant's first);
    /// none where one skips it.
    public func offsetsMinutes(atLocal local: Double) -> [Int] {
        if let fixedMinutes { return [fixedMinutes] }
        guard let identifier, let zone = TimeZone(identifier: identifier) else { return [0] }
        func offset(at seconds: Double) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds)) }
        // The offsets in force a day around it (a zone changes its clock at most once a day),
        // each kept when the instant it gives has that offset.
        let candidates = Set([local - 86_400, local, local + 86_400].map(offset(at:)))
        return candidates.filter { offset(at: local - Double($0)) == $0 }.sorted(by: >).map { $0 / 60 }
    }

    /// The offset in force a day before the local time `local`: before a clock change that skipped it.
    func offsetMinutes(before local: Double) -> Int {
        if let fixedMinutes { return fixedMinutes }
        guard let identifier, let zone = TimeZone(identifier: identifier) else { return 0 }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: local - 86_400)) / 60
    }
}
