import Foundation
import ZarrStore

/// The comment AudioMoth firmware writes into its WAV files (LIST/INFO ICMT), in every wording
/// of the open-source AudioMoth-Firmware-Basic (`setHeaderComment` in main.c), e.g.
///
/// - 1.0: "Recorded at 21:15:00 16/04/2019 by AudioMoth 249C600363FA5E80 at gain setting 2 while
///   battery state was 4.20V" (no time zone: the clock is UTC), battery "< 3.6V" / "> 5.0V";
/// - 1.1-1.3: "(UTC)", then "(UTC+1)" / "(UTC-3: 5)" (minutes space-padded in 1.3), "battery state
///   was less than 3.6V.", "Recording cancelled before completion due to low battery voltage.";
/// - 1.4-1.5: "at medium gain setting while battery state was 3.6V and temperature was 8.5C.",
///   "during deployment ID", "using external microphone", "Low-pass filter applied with cut-off
///   frequency of 8.0kHz.", "Amplitude threshold was 123.";
/// - 1.6 onwards: "(UTC-10) during deployment 0123456789ABCDEF using external microphone at
///   medium gain while battery was less than 2.5V and temperature was -3.5C. Frequency trigger
///   (48.0kHz and window length of 16 samples) threshold was 0.5% with 1s minimum trigger
///   duration. Band-pass filter with frequencies of 1.0kHz and 8.0kHz applied. Amplitude threshold
///   was -30 dB with 2s minimum trigger duration. Recording stopped due to low voltage."
///
/// Offsets look like UTC, UTC+1, UTC-10, UTC-3:30, UTC+5:45 and UTC-0:30.
struct AudioMothComment {
    /// The first sample's local time with the comment's offset, ISO 8601.
    var startTime: String?
    /// "UTC+5:45" as written; nil for firmware 1.0, whose clock had no zone (UTC).
    var timeZone: String?
    /// The offset from UTC in minutes.
    var utcOffsetMinutes: Int?
    var deviceID: String?
    var deploymentID: String?
    var externalMicrophone = false
    /// "medium", or for firmware before 1.4 the setting's name from its number.
    var gain: String?
    var gainSetting: Int?
    var batteryVolts: Double?
    /// "below" for "less than"/"<", "above" for "greater than"/">": the battery was beyond the
    /// range the firmware measures.
    var batteryBound: String?
    var temperatureCelsius: Double?
    var filter: [String: JSONValue]?
    var amplitudeThreshold: [String: JSONValue]?
    var frequencyTrigger: [String: JSONValue]?
    var stopReason: String?
    /// The sentences after the first, as written.
    var notes: [String] = []

    static let gainNames = ["low", "low-medium", "medium", "medium-high", "high"]

    init?(_ comment: String) {
        guard comment.hasPrefix("Recorded at "), comment.contains("AudioMoth") || comment.contains("during deployment") else { return nil }
        parseTime(comment)
        deviceID = comment.firstMatch(of: #/by AudioMoth ([0-9A-Fa-f]{16})/#).map { String($0.output.1) }
        deploymentID = comment.firstMatch(of: #/during deployment ([0-9A-Fa-f]{16})/#).map { String($0.output.1) }
        externalMicrophone = comment.contains("using external microphone")
        if let match = comment.firstMatch(of: #/at ([a-z-]+) gain/#), Self.gainNames.contains(String(match.output.1)) {
            gain = String(match.output.1)
            gainSetting = Self.gainNames.firstIndex(of: String(match.output.1))
        } else if let match = comment.firstMatch(of: #/at gain setting (\d)/#), let setting = Int(match.output.1) {
            gainSetting = setting
            gain = Self.gainNames.indices.contains(setting) ? Self.gainNames[setting] : "setting \(setting)"
        }
        if let match = comment.firstMatch(of: #/battery (?:state )?was (less than |greater than |< |> )?(\d+\.\d+)V/#) {
            batteryVolts = Double(match.output.2)
            switch match.output.1.map(String.init) {
            case "less than "?, "< "?: batteryBound = "below"
            case "greater than "?, "> "?: batteryBound = "above"
            default: batteryBound = nil
            }
        }
        temperatureCelsius = comment.firstMatch(of: #/temperature was (-?\d+\.\d+)C/#).flatMap { Double($0.output.1) }
        parseFilter(comment)
        parseTriggers(comment)
        if let match = comment.firstMatch(of: #/Recording (?:stopped|cancelled before completion) (?:due to |by )([^.]+)\./#) {
            stopReason = String(match.output.1)
        }
        // Sentences end at ". " before a capital letter (not at decimal points like "3.6V").
        let sentences = comment.split(separator: #/\.\s+(?=[A-Z])/#).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ".\0"))
        }
        notes = sentences.filter { !$0.isEmpty && !$0.hasPrefix("Recorded at") }
    }

    /// "Recorded at HH:MM:SS DD/MM/YYYY" then "(UTC)", "(UTC+h)", "(UTC-h:mm)", "(UTC-h: m)" or,
    /// in firmware 1.0, nothing (UTC).
    private mutating func parseTime(_ comment: String) {
        guard let match = comment.firstMatch(of: #/^Recorded at (\d{2}):(\d{2}):(\d{2}) (\d{2})/(\d{2})/(\d{4})( \(UTC(?:([+-])(\d{1,2})(?::\s?(\d{1,2}))?)?\))?/#)
        else { return }
        let (_, hh, mm, ss, day, month, year, zonePart, sign, hours, minutes) = match.output
        guard let h = Int(hh), h < 24, let m = Int(mm), m < 60, let s = Int(ss), s < 61,
              let d = Int(day), (1...31).contains(d), let mo = Int(month), (1...12).contains(mo), let y = Int(year)
        else { return }
        var offset = 0
        if let sign, let hours, let hourValue = Int(hours) {
            let minuteValue = minutes.flatMap { Int($0) } ?? 0
            guard hourValue <= 14, minuteValue < 60 else { return }
            offset = (sign == "-" ? -1 : 1) * (hourValue * 60 + minuteValue)
        }
        utcOffsetMinutes = offset
        if zonePart != nil {
            timeZone = "UTC" + (sign.map(String.init) ?? "") + (hours.map(String.init) ?? "") + (minutes.map { ":" + $0.trimmingCharacters(in: .whitespaces) } ?? "")
        }
        startTime = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, m, s) + Self.isoOffset(minutes: offset)
    }

    /// "+05:45", "-10:00", or "Z" for 0.
    static func isoOffset(minutes: Int) -> String {
        guard minutes != 0 else { return "Z" }
        return String(format: "%@%02d:%02d", minutes < 0 ? "-" : "+", abs(minutes) / 60, abs(minutes) % 60)
    }

    private mutating func parseFilter(_ comment: String) {
        // 1.6+: "Low-pass filter with frequency of 8.0kHz applied."; 1.4-1.5: "Low-pass filter
        // applied with cut-off frequency of 8.0kHz."
        if let match = comment.firstMatch(of: #/(Low|High)-pass filter (?:applied )?with (?:cut-off )?frequency of (\d+\.\d)kHz/#) {
            let kind = match.output.1 == "Low" ? "low-pass" : "high-pass"
            filter = ["type": .string(kind), kind == "low-pass" ? "high_khz" : "low_khz": .double(Double(match.output.2) ?? 0)]
        } else if let match = comment.firstMatch(of: #/Band-pass filter (?:applied )?with (?:cut-off )?frequencies of (\d+\.\d)kHz and (\d+\.\d)kHz/#) {
            filter = ["type": "band-pass", "low_khz": .double(Double(match.output.1) ?? 0), "high_khz": .double(Double(match.output.2) ?? 0)]
        }
    }

    private mutating func parseTriggers(_ comment: String) {
        if let match = comment.firstMatch(of: #/Amplitude threshold was (-?\d+(?:\.\d+)? ?(?:dB|%)?)(?: with (\d+)s minimum trigger duration)?/#) {
            var threshold: [String: JSONValue] = ["value": .string(String(match.output.1))]
            if let duration = match.output.2.flatMap({ Int($0) }) { threshold["minimum_trigger_duration_s"] = .int(Int64(duration)) }
            amplitudeThreshold = threshold
        }
        if let match = comment.firstMatch(of: #/Frequency trigger \((\d+\.\d)kHz and window length of (\d+) samples\) threshold was (\d+(?:\.\d+)?%)(?: with (\d+)s minimum trigger duration)?/#) {
            var trigger: [String: JSONValue] = [
                "centre_khz": .double(Double(match.output.1) ?? 0), "window_samples": .int(Int64(match.output.2) ?? 0),
                "threshold": .string(String(match.output.3)),
            ]
            if let duration = match.output.4.flatMap({ Int($0) }) { trigger["minimum_trigger_duration_s"] = .int(Int64(duration)) }
            frequencyTrigger = trigger
        }
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let startTime { object["start_time"] = .string(startTime) }
        if let timeZone { object["time_zone"] = .string(timeZone) }
        if let utcOffsetMinutes { object["utc_offset_minutes"] = .int(Int64(utcOffsetMinutes)) }
        if let deviceID { object["device_id"] = .string(deviceID) }
        if let deploymentID { object["deployment_id"] = .string(deploymentID) }
        object["external_microphone"] = .bool(externalMicrophone)
        if let gain { object["gain"] = .string(gain) }
        if let gainSetting { object["gain_setting"] = .int(Int64(gainSetting)) }
        if let batteryVolts { object["battery_v"] = .double(batteryVolts) }
        if let batteryBound { object["battery_v_bound"] = .string(batteryBound) }
        if let temperatureCelsius { object["temperature_c"] = .double(temperatureCelsius) }
        if let filter { object["filter"] = .object(filter) }
        if let amplitudeThreshold { object["amplitude_threshold"] = .object(amplitudeThreshold) }
        if let frequencyTrigger { object["frequency_trigger"] = .object(frequencyTrigger) }
        if let stopReason { object["stop_reason"] = .string(stopReason) }
        if !notes.isEmpty { object["notes"] = .array(notes.map(JSONValue.string)) }
        return .object(object)
    }
}
