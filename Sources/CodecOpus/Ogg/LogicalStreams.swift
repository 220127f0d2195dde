#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

extension Ogg {
    /// What walking an Ogg file's page headers from its start finds (27 bytes and the lacing
    /// values of each page; the bodies are skipped): a second logical stream, and whether the
    /// file is cut off. A decoder that reads the first stream only (libsndfile) would import a
    /// part of a file of several streams as if it were all of it, and an Ogg stream states no
    /// length of its own, so only its pages tell that it was cut off.
    public struct Walk: Sendable, Equatable {
        /// A second logical stream (RFC 3533 §4: chained after the first one's end, or
        /// multiplexed with it): its serial and the byte where its first page begins.
        public struct SecondStream: Sendable, Equatable {
            public let serial: UInt32
            public let offset: Int64
        }
        public let secondStream: SecondStream?
        /// The file ends inside a page, or its last page does not end its stream (no EOS flag,
        /// RFC 3533 §6), as a copy that stopped or a recorder that lost power leaves it.
        public let isCutOff: Bool
    }

    /// The walk of the Ogg file at `path`; nil for a file that is not Ogg. Bytes that are not a
    /// page before the end (damage) stop the walk without calling the file cut off: its decoder
    /// reports the damage.
    /// - Throws: ``CodecError/Code/noInput`` or ``CodecError/Code/storage`` when it cannot be read.
    public static func walk(file path: String) throws(CodecError) -> Walk? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CodecError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw CodecError(.storage, "cannot stat: \(String(cString: strerror(errno)))", file: path) }
        let fileSize = Int64(status.st_size)
        var offset: Int64 = 0
        var first: UInt32?
        var lastEndsStream = false
        while offset < fileSize {
            let header = try SourceFile.bytes(of: fd, offset..<min(fileSize, offset + 27 + 255), file: path)
            guard header.starts(with: Array("OggS".utf8)) || (first != nil && Array("OggS".utf8).starts(with: header)) else {
                return first.map { _ in Walk(secondStream: nil, isCutOff: false) }
            }
            let size = header.withUnsafeBytes { Page.bytesNeeded($0) }
            guard header.count >= 27, header.count >= 27 + Int(header[26]), offset + Int64(size) <= fileSize else {
                // A page that the file ends inside.
                return first.map { _ in Walk(secondStream: nil, isCutOff: true) }
            }
            let serial = header[14..<18].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if let first, serial != first { return Walk(secondStream: .init(serial: serial, offset: offset), isCutOff: false) }
            first = first ?? serial
            lastEndsStream = header[5] & 0x04 != 0
            offset += Int64(size)
        }
        return first.map { _ in Walk(secondStream: nil, isCutOff: !lastEndsStream) }
    }
}
