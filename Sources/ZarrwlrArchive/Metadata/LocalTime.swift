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

    /// The instant this time names in `zone`.
    public func instant(in zone: TimeZoneSpec) -> Instant {
        let offset = zone.offsetMinutes(atLocal: secondsOnItsClock)
        return Instant(secondsSinceEpoch: secondsOnItsClock - Double(offset * 60), offsetMinutes: offset)
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

    /// The offset east of UTC, in minutes, of a local time `local` (seconds on its clock) in this zone.
    /// In a zone with daylight saving time, a local time that occurs twice takes the earlier offset.
    public func offsetMinutes(atLocal local: Double) -> Int {
        if let fixedMinutes { return fixedMinutes }
        guard let identifier, let zone = TimeZone(identifier: identifier) else { return 0 }
        // The offset at the instant the local time would be if it were UTC, then once more at
        // the instant that offset gives: exact except in the hour a clock change skips or repeats.
        let first = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local))
        let second = zone.secondsFromGMT(for: Date(timeIntervalSince1970: local - Double(first)))
        return max(first, second) / 60
    }
}
