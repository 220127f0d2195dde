import Foundation

/// An instant given as ISO 8601 text with an explicit offset or `Z` ("2025-04-16T04:30:00Z",
/// "2025-04-16T06:30:00.250+02:00"): the only form the archive accepts from users, since a time
/// without a zone names no instant.
public struct Instant: Sendable, Equatable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Double
    /// The offset it was written with, in minutes east of UTC.
    public let offsetMinutes: Int
    /// The text as given.
    public let text: String

    /// Parses `text`; nil unless it is a valid date and time with seconds and an offset.
    public init?(_ text: String) {
        guard let match = text.wholeMatch(of: #/(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|z|[+-]\d{2}:?\d{2})/#) else { return nil }
        let (_, y, mo, d, h, mi, s, fraction, zone) = match.output
        guard let year = Int(y), let month = Int(mo), (1...12).contains(month), let day = Int(d), let hour = Int(h), hour < 24,
              let minute = Int(mi), minute < 60, let second = Int(s), second < 61
        else { return nil }
        var offset = 0
        if zone != "Z" && zone != "z" {
            let digits = zone.dropFirst().filter(\.isNumber)
            guard let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)), hours <= 14, minutes < 60 else { return nil }
            offset = (zone.first == "-" ? -1 : 1) * (hours * 60 + minutes)
        }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (hour, minute, min(second, 59))
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        let fractionSeconds = fraction.flatMap { Double("0" + $0) } ?? 0
        secondsSinceEpoch = date.timeIntervalSince1970 + Double(second - min(second, 59)) + fractionSeconds - Double(offset * 60)
        offsetMinutes = offset
        self.text = String(text)
    }

    /// The instant `secondsSinceEpoch`, written with the offset `offsetMinutes` east of UTC
    /// (fractional seconds, when there are any, as six digits: microseconds).
    public init(secondsSinceEpoch: Double, offsetMinutes: Int = 0) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.offsetMinutes = offsetMinutes
        let local = secondsSinceEpoch + Double(offsetMinutes * 60)
        var whole = local.rounded(.down)
        var micros = Int(((local - whole) * 1e6).rounded())
        if micros >= 1_000_000 { whole += 1; micros -= 1_000_000 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        var text = String(format: "%04d", parts.year ?? 0) + "-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
        // Six digits whenever there is a fraction: GUANO readers (guano-py) parse no other length.
        if micros > 0 { text += "." + String(format: "%06d", micros) }
        if offsetMinutes == 0 {
            text += "Z"
        } else {
            let magnitude = abs(offsetMinutes)
            text += (offsetMinutes < 0 ? "-" : "+") + two(magnitude / 60) + ":" + two(magnitude % 60)
        }
        self.text = text
    }

    /// This instant moved by `seconds`, written with the same offset.
    public func adding(seconds: Double) -> Instant {
        Instant(secondsSinceEpoch: secondsSinceEpoch + seconds, offsetMinutes: offsetMinutes)
    }

    /// Seconds since 1970 as ISO 8601 in UTC.
    public static func utcText(_ seconds: Double) -> String {
        Instant(secondsSinceEpoch: seconds).text
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }
}
