import CodecCore

/// A file of sample ranges for `aimport extract --ranges`, read one range at a time: one
/// `start end` pair a line (separated by spaces, tabs or a comma), half-open; blank lines and
/// lines starting with `#` are skipped, and so are a UTF-8 byte-order mark and a first line of
/// column names (`start,end`, as a CSV from Excel or pandas begins). Memory does not grow with
/// the number of ranges.
public final class RangesFile {
    private let lines: LineReader

    /// Opens `file`.
    /// - Throws: ``CodecError/Code/noInput`` when it cannot be opened.
    public init(_ file: RereadableFile) throws(CodecError) {
        lines = try LineReader(file, what: "ranges file", maximumLineBytes: 4096)
    }

    /// The next range; nil after the last.
    /// - Throws: ``CodecError/Code/invalidArgument`` for a malformed or overlong line (naming
    ///   it), ``CodecError/Code/storage`` when reading fails.
    public func next() throws(CodecError) -> Range<Int64>? {
        while let line = try lines.next() {
            if let range = try Self.range(in: line, number: lines.lineNumber, file: lines.name) { return range }
        }
        return nil
    }

    /// The range of one line, nil for a blank or comment line.
    private static func range(in line: [UInt8], number: Int, file: String) throws(CodecError) -> Range<Int64>? {
        let line = number == 1 && line.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(line.dropFirst(3)) : line
        let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",") })
        if fields.isEmpty || fields[0].first == UInt8(ascii: "#") { return nil }
        let isName = { (field: ArraySlice<UInt8>) in field.allSatisfy { ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") || $0 == UInt8(ascii: "_") } }
        if number == 1 && fields.count == 2 && fields.allSatisfy(isName) { return nil }
        let text = { (field: ArraySlice<UInt8>) in String(decoding: field, as: UTF8.self) }
        guard fields.count == 2, let start = Int64(text(fields[0])), let end = Int64(text(fields[1])), start >= 0, start <= end else {
            throw CodecError(.invalidArgument, "line \(number) is not 'start end' with 0 <= start <= end: '\(String(decoding: line.prefix(200), as: UTF8.self))'", file: file)
        }
        return start..<end
    }
}
