import Foundation
import ZarrStore

/// Wildlife Acoustics' "wamd" WAV chunk, which Song Meter (SM2BAT+, SM3, SM4BAT) and Echo Meter
/// recorders wrote before GUANO: fields of a 16-bit id and a 32-bit length, little-endian, then
/// the value (read as guano-py's `wamd2guano` reads them). Text fields are kept by name, the
/// format version and time expansion as numbers; the voice note, program and run-state blobs,
/// 16-bit alignment padding and unknown ids are skipped. A field running past the chunk ends
/// the reading; what came before it stays.
struct WildlifeAcousticsMetadata {
    /// Text fields by name ("model", "serial", "firmware", "prefix", "timestamp", "gps_first", ...).
    var fields: [String: String] = [:]
    var version: Int?
    /// The time expansion factor the recording was made with (1: real time).
    var timeExpansion: Int?

    private static let textFields: [UInt16: String] = [
        0x01: "model", 0x02: "serial", 0x03: "firmware", 0x04: "prefix", 0x05: "timestamp", 0x06: "gps_first", 0x07: "gps_track",
        0x08: "software", 0x09: "license", 0x0A: "notes", 0x0B: "auto_id", 0x0C: "manual_id", 0x0E: "auto_id_stats",
        0x12: "microphone", 0x13: "sensitivity",
    ]

    /// Nil when the payload holds no field.
    init?(_ payload: [UInt8]) {
        func number(_ bytes: ArraySlice<UInt8>) -> Int { bytes.reversed().reduce(0) { $0 << 8 | Int($1) } }
        var offset = 0, read = 0
        while payload.count - offset >= 6 {
            let id = UInt16(number(payload[offset..<offset + 2]))
            let length = number(payload[offset + 2..<offset + 6])
            guard length <= payload.count - offset - 6 else { break }
            let value = payload[offset + 6..<offset + 6 + length]
            offset += 6 + length
            read += 1
            switch id {
            case 0x00 where length == 2: version = number(value)
            case 0x0F where length == 2: timeExpansion = number(value)
            default:
                guard let name = Self.textFields[id] else { continue }
                let text = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { fields[name] = text }
            }
        }
        guard read > 0 else { return nil }
    }

    /// The timestamp as ISO 8601, in the forms Wildlife Acoustics writes: "2014-04-02 22:59:14-05:00"
    /// (with its offset), "2014-04-02 22:59:14.000" or "2014-04-02 22:59:14" (a local time of
    /// unknown zone); nil for anything else (the caller checks the date and time themselves).
    var startTime: String? {
        guard let timestamp = fields["timestamp"], let match = timestamp.wholeMatch(of: #/(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.0+)?([+-]\d{2}:\d{2}|Z)?/#) else { return nil }
        return "\(match.output.1)T\(match.output.2)\(match.output.3 ?? "")"
    }

    var json: JSONValue {
        var object = fields.mapValues(JSONValue.string)
        if let version { object["version"] = .int(Int64(version)) }
        if let timeExpansion { object["time_expansion"] = .int(Int64(timeExpansion)) }
        return .object(object)
    }
}
