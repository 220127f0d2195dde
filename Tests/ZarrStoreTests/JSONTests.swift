import Testing
import TestSupport
@testable import ZarrStore

@Suite struct JSONTests {
    @Test func parsesAndKeepsExactIntegers() throws {
        let text = #"{"big": 18446744073709551615, "neg": -9223372036854775808, "f": 1.5, "e": 1e3, "s": "a\u00e9\ud83d\ude00\n", "l": [true, false, null]}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value["big"] == .uint(UInt64.max))
        #expect(value["neg"] == .int(Int64.min))
        #expect(value["f"] == .double(1.5))
        #expect(value["e"] == .double(1000))
        #expect(value["s"] == .string("aé😀\n"))
        #expect(value["l"] == [true, false, nil])
    }

    @Test func serializationRoundTripsAndSortsKeys() throws {
        let value: JSONValue = ["b": [1, 2.5, "x\"y"], "a": ["nested": [:], "empty": []], "u": .uint(UInt64.max)]
        let bytes = value.serialized()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.firstRange(of: "\"a\"")!.lowerBound < text.firstRange(of: "\"b\"")!.lowerBound)
        #expect(try JSONValue(parsing: bytes) == value)
        #expect(value.serialized() == bytes)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"\\x\"", "1 2", "\"\\ud800\""])
    func rejectsMalformedDocuments(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }
}
