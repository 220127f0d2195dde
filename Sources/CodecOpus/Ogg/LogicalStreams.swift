#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore

extension Ogg {
    /// Where an Ogg file holds a second logical stream (RFC 3533 §4: chained after the first
    /// one's end, or multiplexed with it), found by walking its page headers from the start
    /// (27 bytes and the lacing values of each page, not the bodies). A decoder that reads the
    /// first stream only (libsndfile) would import a part of such a file as if it were all of it.
    public struct SecondStream: Sendable, Equatable {
        public let firstSerial: UInt32
        public let serial: UInt32
        /// The byte where its first page begins.
        public let offset: Int64
    }

    /// The second logical stream of the Ogg file at `path`; nil for a file of one stream, a
    /// file that is not Ogg, or one whose pages stop being well-formed before another stream
    /// appears (its decoder then reports the damage).
    /// - Throws: ``CodecError/Code/noInput`` or ``CodecError/Code/storage`` when it cannot be read.
    public static func secondStream(inFile path: String) throws(CodecError) -> SecondStream? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CodecError(.noInput, "cannot open: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        var offset: Int64 = 0
        var first: UInt32?
        while true {
            let header = try SourceFile.bytes(of: fd, offset..<offset + 27 + 255, file: path)
            guard header.count >= 27, header.starts(with: Array("OggS".utf8)), header.count >= 27 + Int(header[26]) else { return nil }
            let serial = header[14..<18].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if let first, serial != first { return SecondStream(firstSerial: first, serial: serial, offset: offset) }
            first = first ?? serial
            offset += Int64(header.withUnsafeBytes { Page.bytesNeeded($0) })
        }
    }
}
