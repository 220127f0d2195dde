import CodecCore

/// A file of sample ranges for `aimport extract --ranges`: one `start end` pair a line
/// (separated by spaces, tabs or a comma), half-open; blank lines and lines starting with `#`
/// are skipped.
public enum RangesFile {
    /// The ranges in `text`, in order.
    /// - Throws: ``CodecError/Code/invalidArgument`` for a malformed line (naming it) or a text
    ///   without ranges.
    public static func parse(_ text: String, file: String? = nil) throws(CodecError) -> [Range<Int64>] {
        var result: [Range<Int64>] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count == 2, let start = Int64(fields[0]), let end = Int64(fields[1]), start >= 0, start <= end else {
                throw CodecError(.invalidArgument, "line \(number + 1) is not 'start end' with 0 <= start <= end: '\(line.prefix(200))'", file: file)
            }
            result.append(start..<end)
        }
        guard !result.isEmpty else { throw CodecError(.invalidArgument, "the ranges file holds no ranges", file: file) }
        return result
    }
}
