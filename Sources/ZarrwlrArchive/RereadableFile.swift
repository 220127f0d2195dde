import CodecCore
import Foundation

/// A text input that can be read more than once: the file itself, or, for a pipe
/// (`<(python make_ranges.py)`, standard input) or a device, a copy of what it gives in a
/// temporary file, removed with this value. A table or ranges file is read in several passes
/// (checked, then used); a pipe read twice gives nothing the second time.
public final class RereadableFile: Sendable {
    /// The path to read (the copy's, for a pipe).
    public let path: String
    /// What messages call it: the path as given, or "standard input".
    public let name: String
    private let isCopy: Bool

    /// `path` as it is, or a copy of a pipe's or device's contents; `-` is standard input
    /// (a file called `-` is `./-`).
    /// - Throws: ``CodecError/Code/cannotCreate`` or ``CodecError/Code/storage`` when the copy
    ///   cannot be made, naming `what` (the ranges, the table).
    public init(_ path: String, what: String) throws(CodecError) {
        let source = path == "-" ? "/dev/stdin" : path
        name = Self.name(of: path)
        guard let special = SourceFile.status(source)?.special, special == "a named pipe" || special == "a character device" else {
            (self.path, isCopy) = (source, false)
            return
        }
        let copy = NSTemporaryDirectory() + "zarrwlr-input-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: copy, contents: nil), let output = FileHandle(forWritingAtPath: copy) else {
            throw CodecError(.cannotCreate, "cannot copy the \(what) from \(name)", file: copy)
        }
        defer { try? output.close() }
        (self.path, isCopy) = (copy, true)
        try SourceFile.forEachPiece(source) { (piece) throws(CodecError) in
            do { try output.write(contentsOf: Data(piece)) } catch {
                throw CodecError(.storage, "cannot copy the \(what) from \(name): \(CodecError.reason(error))", file: copy)
            }
        }
    }

    /// What messages call the input `path` names: the path as given, or "standard input" for `-`.
    public static func name(of path: String) -> String {
        path == "-" ? "standard input" : path
    }

    deinit {
        if isCopy { try? FileManager.default.removeItem(atPath: path) }
    }
}
