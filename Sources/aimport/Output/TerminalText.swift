/// Text from a store (file names, metadata) made safe to print: control characters (escape
/// sequences, tabs and newlines that would break a column) are written as `\u{..}`.
enum TerminalText {
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
