#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

/// A file of sample ranges for `aimport extract --ranges`, read one range at a time: one
/// `start end` pair a line (separated by spaces, tabs or a comma), half-open; blank lines and
/// lines starting with `#` are skipped. Memory does not grow with the number of ranges.
public final class RangesFile {
    /// The longest line read (a file without line breaks is not a ranges file).
    static let maximumLineBytes = 4096

    public let path: String
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var filled = 0, position = 0, atEnd = false
    /// The number of the last line read.
    private var lineNumber = 0

    /// Opens the file at `path`.
    /// - Throws: ``CodecError/Code/noInput`` when it cannot be opened.
    public init(path: String) throws(CodecError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CodecError(.noInput, "cannot read the ranges file: \(String(cString: strerror(errno)))", file: path) }
    }

    deinit {
        close(fd)
    }

    /// The next range; nil after the last.
    /// - Throws: ``CodecError/Code/invalidArgument`` for a malformed or overlong line (naming
    ///   it), ``CodecError/Code/storage`` when reading fails.
    public func next() throws(CodecError) -> Range<Int64>? {
        while let line = try nextLine() {
            if let range = try Self.range(in: line, number: lineNumber, file: path) { return range }
        }
        return nil
    }

    private func nextLine() throws(CodecError) -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            if position == filled {
                if atEnd { return line.isEmpty ? nil : counted(line) }
                try refill()
                continue
            }
            let byte = buffer[position]
            position += 1
            if byte == UInt8(ascii: "\n") { return counted(line) }
            guard line.count < Self.maximumLineBytes else {
                throw CodecError(.invalidArgument, "line \(lineNumber + 1) is longer than \(Self.maximumLineBytes) bytes: not 'start end'", file: path)
            }
            line.append(byte)
        }
    }

    private func counted(_ line: [UInt8]) -> [UInt8] {
        lineNumber += 1
        return line
    }

    private func refill() throws(CodecError) {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            throw CodecError(.storage, "cannot read the ranges file: \(String(cString: strerror(errno)))", file: path)
        }
        (filled, position, atEnd) = (n, 0, n == 0)
    }

    /// The range of one line, nil for a blank or comment line.
    private static func range(in line: [UInt8], number: Int, file: String) throws(CodecError) -> Range<Int64>? {
        let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\r") })
        if fields.isEmpty || fields[0].first == UInt8(ascii: "#") { return nil }
        let text = { (field: ArraySlice<UInt8>) in String(decoding: field, as: UTF8.self) }
        guard fields.count == 2, let start = Int64(text(fields[0])), let end = Int64(text(fields[1])), start >= 0, start <= end else {
            throw CodecError(.invalidArgument, "line \(number) is not 'start end' with 0 <= start <= end: '\(String(decoding: line.prefix(200), as: UTF8.self))'", file: file)
        }
        return start..<end
    }
}
