#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A whole small store as one fuzz input: its files as `[u16 key length][key][u32 value
/// length][value]` records (little-endian), so that mutations reach metadata and chunks alike.
/// Keys are confined to the scratch folder: parts of letters, digits, `.`, `_` and `-`, none
/// `.` or `..`; a record that breaks this, or runs past the input's end, ends the image.
enum StoreImage {
    /// The largest value one record may hold (a blob shard of a seed is smaller).
    static let maximumValueBytes = 4 << 20

    static func encode(_ files: [(key: String, value: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (key, value) in files {
            let name = Array(key.utf8)
            bytes += [UInt8(name.count & 0xFF), UInt8(name.count >> 8)] + name
            bytes += (0..<4).map { UInt8((value.count >> (8 * $0)) & 0xFF) } + value
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> [(key: String, value: [UInt8])] {
        var files: [(key: String, value: [UInt8])] = []
        var offset = 0
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, count <= bytes.count - offset else { return nil }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        while let length = take(2).map({ Int($0.first!) | Int($0.last!) << 8 }), let name = take(length),
              let size = take(4).map({ $0.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } }),
              size <= maximumValueBytes, let value = take(size) {
            let key = String(decoding: name, as: UTF8.self)
            guard isConfined(key) else { break }
            files.append((key, Array(value)))
        }
        return files
    }

    /// Whether `key` names a file inside the folder it is written to.
    static func isConfined(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.count <= 12 && parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.utf8.count <= 100
                && part.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        }
    }

    /// The files below `folder`, as records (for seeds).
    static func files(below folder: String) -> [(key: String, value: [UInt8])] {
        let names = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? []
        return names.sorted().compactMap { name in
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isFolder), !isFolder.boolValue,
                  let bytes = contents(of: folder + "/" + name) else { return nil }
            return (name, bytes)
        }
    }

    /// The bytes of the file at `path`, read with POSIX calls (Foundation's file reading is
    /// reported as leaking under LeakSanitizer).
    private static func contents(of path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = [], piece = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = piece.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? bytes : nil }
            bytes += piece[0..<count]
        }
    }
}
