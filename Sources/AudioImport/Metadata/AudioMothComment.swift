import Foundation
import ZarrStore

/// The comment AudioMoth firmware writes into its WAV files (LIST/INFO ICMT), e.g.
/// "Recorded at 21:15:00 16/04/2025 (UTC+1) by AudioMoth 249C600363FA5E80 at medium-high gain
/// while battery was 3.6V and temperature was 8.5C. Amplitude threshold was 0.5% ...".
/// Older firmware says "at gain setting 2 while battery state was 4.2V".
struct AudioMothComment {
    /// ISO 8601 with the comment's time zone offset.
    var startTime: String?
    var timeZone: String?
    var deviceID: String?
    var gain: String?
    var batteryVolts: Double?
    var temperatureCelsius: Double?
    /// The sentences after the first (thresholds, filters, why recording stopped).
    var notes: [String] = []

    init?(_ comment: String) {
        guard comment.hasPrefix("Recorded at "), comment.contains("AudioMoth") else { return nil }
        if let match = comment.firstMatch(of: #/Recorded at (\d{2}):(\d{2}):(\d{2}) (\d{2})/(\d{2})/(\d{4}) \(UTC([+-]\d{1,2})?(?::?(\d{2}))?\)/#) {
            let (_, hh, mm, ss, day, month, year, offsetHours, offsetMinutes) = match.output
            var zone = "Z"
            if let offsetHours, let hours = Int(offsetHours) {
                let minutes = offsetMinutes.flatMap { Int($0) } ?? 0
                zone = (hours < 0 || offsetHours.hasPrefix("-") ? "-" : "+") + pad(abs(hours)) + ":" + pad(minutes)
            }
            startTime = "\(year)-\(month)-\(day)T\(hh):\(mm):\(ss)\(zone)"
            timeZone = "UTC" + (offsetHours.map(String.init) ?? "") + (offsetMinutes.map { ":" + $0 } ?? "")
        }
        deviceID = comment.firstMatch(of: #/by AudioMoth ([0-9A-F]{16})/#).map { String($0.output.1) }
        gain = comment.firstMatch(of: #/at ([a-z-]+) gain/#).map { String($0.output.1) }
            ?? comment.firstMatch(of: #/at gain setting (\d)/#).map { "setting " + $0.output.1 }
        batteryVolts = comment.firstMatch(of: #/battery (?:state )?was (\d+(?:\.\d+)?)V/#).flatMap { Double($0.output.1) }
        temperatureCelsius = comment.firstMatch(of: #/temperature was (-?\d+(?:\.\d+)?)C/#).flatMap { Double($0.output.1) }
        // Sentences end at ". " before a capital letter (not at decimal points like "3.6V").
        let sentences = comment.split(separator: #/\.\s+(?=[A-Z])/#).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        notes = sentences.filter { !$0.isEmpty && !$0.hasPrefix("Recorded at") }
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let startTime { object["start_time"] = .string(startTime) }
        if let timeZone { object["time_zone"] = .string(timeZone) }
        if let deviceID { object["device_id"] = .string(deviceID) }
        if let gain { object["gain"] = .string(gain) }
        if let batteryVolts { object["battery_v"] = .double(batteryVolts) }
        if let temperatureCelsius { object["temperature_c"] = .double(temperatureCelsius) }
        if !notes.isEmpty { object["notes"] = .array(notes.map(JSONValue.string)) }
        return .object(object)
    }
}

private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
