import Foundation
import ZarrStore

/// The BWF "bext" chunk (EBU Tech 3285): description, originator, and the origination date and
/// time of the recording (local time, no zone).
struct BroadcastExtension {
    var description: String
    var originator: String
    var originatorReference: String
    var originationDate: String
    var originationTime: String
    /// Samples since midnight of the first sample.
    var timeReference: UInt64

    init?(_ payload: [UInt8]) {
        guard payload.count >= 346 else { return nil }
        func text(_ range: Range<Int>) -> String {
            String(decoding: payload[range].prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        description = text(0..<256)
        originator = text(256..<288)
        originatorReference = text(288..<320)
        originationDate = text(320..<330)
        originationTime = text(330..<338)
        timeReference = payload[338..<346].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// "yyyy-mm-ddThh:mm:ss" (no zone: BWF times are local), when both parts are present.
    var startTime: String? {
        guard originationDate.count == 10, originationTime.count == 8 else { return nil }
        return originationDate + "T" + originationTime.replacingOccurrences(of: "-", with: ":")
    }

    var json: JSONValue {
        [
            "description": .string(description), "originator": .string(originator),
            "originator_reference": .string(originatorReference), "origination_date": .string(originationDate),
            "origination_time": .string(originationTime), "time_reference_samples": .uint(timeReference),
        ]
    }
}
