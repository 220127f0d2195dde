#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import Foundation

/// Finds the audio files below the folders named for import (sorted, recursively, links
/// followed; a folder reached twice, by a link loop or two links, is walked once; hidden files
/// and macOS `._*` files skipped), and what below them looks like a recording but cannot be
/// imported: a folder that cannot be listed, a link to an audio file that does not exist, a name
/// that is not UTF-8 (an old card's Latin-1 name). Those come back as refused requests, so that
/// the batch reports them as failed instead of passing over a file a user may then delete.
struct FolderWalk {
    /// The file extensions of audio files (lowercase).
    let extensions: Set<String>
    /// The folders walked so far, by identity.
    private var visited = Set<[UInt64]>()

    init(extensions: Set<String>) {
        self.extensions = extensions
    }

    /// The audio files below `folder`, with relative paths starting at `relative`; nothing for
    /// a folder walked before.
    mutating func requests(below folder: String, relative: String) -> [AudioArchive.ImportRequest] {
        var requests: [AudioArchive.ImportRequest] = []
        walk(folder, relative: relative, into: &requests)
        return requests
    }

    private mutating func walk(_ folder: String, relative: String, into requests: inout [AudioArchive.ImportRequest]) {
        guard let identity = SourceFile.status(folder)?.identity, visited.insert(identity).inserted else { return }
        let entries: [Entry]
        do { entries = try Self.entries(of: folder) } catch {
            requests.append(.init(path: folder, relativePath: relative, refusal: error))
            return
        }
        for entry in entries.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) where entry.bytes.first != UInt8(ascii: ".") {
            guard let name = entry.name else {
                let shown = entry.escapedName
                if looksLikeAudio(shown) || entry.isFolder {
                    let path = (folder as NSString).appendingPathComponent(shown)
                    requests.append(.init(path: path, relativePath: relative.isEmpty ? shown : relative + "/" + shown, refusal: Self.nameNotUTF8(path, isFolder: entry.isFolder)))
                }
                continue
            }
            let path = (folder as NSString).appendingPathComponent(name)
            let below = relative.isEmpty ? name : relative + "/" + name
            guard let status = SourceFile.status(path) else {
                if looksLikeAudio(name) {
                    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " '\($0)'" } ?? ""
                    requests.append(.init(path: path, relativePath: below, refusal: CodecError(
                        .noInput, "a link to\(target), which does not exist: nothing was imported from it", file: path)))
                }
                continue
            }
            if status.isFolder {
                walk(path, relative: below, into: &requests)
            } else if looksLikeAudio(name) {
                requests.append(.init(path: path, relativePath: below))
            }
        }
    }

    private func looksLikeAudio(_ name: String) -> Bool {
        extensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// One name in a folder, as the file system holds it.
    private struct Entry {
        let bytes: [UInt8]
        let isFolder: Bool
        /// The name, when it is UTF-8.
        var name: String? { String(validating: bytes, as: UTF8.self) }
        /// The name with every byte that is not part of UTF-8 written as \xNN.
        var escapedName: String {
            var text = ""
            var rest = bytes[...]
            while !rest.isEmpty {
                var length = rest.count
                while length > 0, String(validating: rest.prefix(length), as: UTF8.self) == nil { length -= 1 }
                if length > 0 {
                    text += String(decoding: rest.prefix(length), as: UTF8.self)
                    rest = rest.dropFirst(length)
                } else if let byte = rest.first {
                    text += "\\x" + String(byte, radix: 16, uppercase: true)
                    rest = rest.dropFirst()
                }
            }
            return text
        }
    }

    /// The refusal of a file or folder whose name is not UTF-8 (`path` shows it escaped, or with
    /// U+FFFD where a command line's argument was not UTF-8).
    static func nameNotUTF8(_ path: String, isFolder: Bool) -> CodecError {
        let what = isFolder ? "the folder's name" : "the file's name"
        let lost = isFolder ? "its files were not imported" : "it was not imported"
        return CodecError(.noInput, "\(what) is not UTF-8 (an old card's encoding): aimport cannot name it, so \(lost); rename it to UTF-8 (convmv -f latin1 -t utf8) and import it again", file: path)
    }

    /// The names in `folder` (without . and ..), as bytes; a name that is not UTF-8 cannot be
    /// held by a String, so Foundation's listing would drop or alter it.
    /// - Throws: ``CodecError`` naming the folder when it cannot be listed.
    private static func entries(of folder: String) throws(CodecError) -> [Entry] {
        guard let listing = opendir(folder) else {
            let reason = String(cString: strerror(errno))
            throw CodecError(errno == EACCES ? .permissionDenied : .noInput, "cannot list the folder (\(reason)): none of its files were imported", file: folder)
        }
        defer { closedir(listing) }
        var entries: [Entry] = []
        while let entry = readdir(listing) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard bytes != Array(".".utf8), bytes != Array("..".utf8) else { continue }
            var isFolder = false
            if String(validating: bytes, as: UTF8.self) == nil {
                // A name Swift cannot hold: whether it is a folder, from the raw path.
                var info = stat()
                let path = Array(folder.utf8) + [UInt8(ascii: "/")] + bytes + [0]
                isFolder = path.withUnsafeBufferPointer { raw in
                    raw.withMemoryRebound(to: CChar.self) { $0.baseAddress.map { stat($0, &info) == 0 } ?? false }
                } && info.st_mode & S_IFMT == S_IFDIR
            }
            entries.append(Entry(bytes: bytes, isFolder: isFolder))
        }
        return entries
    }
}
