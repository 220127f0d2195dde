#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

/// The lines of a text file, read a piece at a time (a file of a million lines costs one piece
/// and one line of memory): lines end at LF, CR LF or a lone CR; a last line without one counts.
final class LineReader {
    /// What messages call the file.
    let name: String
    /// The longest line read (a file without line breaks is not a table).
    let maximumLineBytes: Int
    /// The number of the line last returned (1: the first).
    private(set) var lineNumber = 0
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var filled = 0, position = 0, atEnd = false
    private var skipLineFeed = false

    /// Opens `file`.
    /// - Throws: ``CodecError/Code/noInput`` naming `what` when it cannot be opened.
    init(_ file: RereadableFile, what: String, maximumLineBytes: Int) throws(CodecError) {
        name = file.name
        self.maximumLineBytes = maximumLineBytes
        fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CodecError(.noInput, "cannot read the \(what): \(String(cString: strerror(errno)))", file: name) }
    }

    deinit {
        close(fd)
    }

    /// The next line without its line break; nil after the last.
    /// - Throws: ``CodecError/Code/invalidArgument`` for a line longer than
    ///   ``maximumLineBytes``, ``CodecError/Code/storage`` when reading fails.
    func next() throws(CodecError) -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            if position == filled {
                if atEnd {
                    guard !line.isEmpty else { return nil }
                    lineNumber += 1
                    return line
                }
                try refill()
                continue
            }
            let byte = buffer[position]
            position += 1
            if skipLineFeed {
                skipLineFeed = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                skipLineFeed = byte == UInt8(ascii: "\r")
                lineNumber += 1
                return line
            }
            guard line.count < maximumLineBytes else {
                throw CodecError(.invalidArgument, "line \(lineNumber + 1) is longer than \(maximumLineBytes) bytes", file: name)
            }
            line.append(byte)
        }
    }

    private func refill() throws(CodecError) {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            throw CodecError(.storage, "cannot read: \(String(cString: strerror(errno)))", file: name)
        }
        (filled, position, atEnd) = (n, 0, n == 0)
    }
}
