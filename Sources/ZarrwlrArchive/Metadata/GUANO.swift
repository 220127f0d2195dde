import Foundation
import ZarrStore

/// A GUANO metadata chunk ("guan"; Grand Unified Acoustic Notation Ontology): UTF-8 lines of
/// "Key: value", namespaced keys written "NAMESPACE|Key". All fields are kept as text.
struct GUANO {
    var fields: [String: String] = [:]

    init?(_ payload: [UInt8]) {
        let text = String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
        guard text.hasPrefix("GUANO|Version") else { return nil }
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if !key.isEmpty { fields[key] = value }
        }
    }

    var json: JSONValue { .object(fields.mapValues(JSONValue.string)) }
}
