/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8.
public enum CRC32C {
    /// Slicing-by-8 tables, flat: table `t` holds entries `t * 256 ..< (t + 1) * 256`.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            tables[n] = c
        }
        for t in 1..<8 {
            for n in 0..<256 {
                let previous = tables[(t - 1) * 256 + n]
                tables[t * 256 + n] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        tables.withUnsafeBufferPointer { t in
            var i = 0
            while i + 8 <= bytes.count {
                let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                crc = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < bytes.count {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(bytes[i])) & 0xFF)]
                i += 1
            }
        }
        return ~crc
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}

/// The `crc32c` codec: appends the CRC-32C of the data, little endian; decoding verifies it.
struct CRC32CCodec: BytesToBytesCodec {
    func encode(_ bytes: [UInt8]) throws(ZarrError) -> [UInt8] {
        let crc = CRC32C.checksum(bytes)
        return bytes + withUnsafeBytes(of: crc.littleEndian) { Array($0) }
    }

    func decode(_ bytes: [UInt8], limit: Int) throws(ZarrError) -> [UInt8] {
        guard bytes.count >= 4, bytes.count - 4 <= limit else {
            if bytes.count >= 4 { throw ZarrError(.corruptChunk, "crc32c: \(bytes.count - 4) bytes of payload, more than the \(limit) a chunk can hold") }
            throw ZarrError(.corruptChunk, "crc32c: \(bytes.count) bytes is too short to hold a checksum")
        }
        let payload = bytes.count - 4
        let declared = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: payload, as: UInt32.self)) }
        let computed = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<payload])) }
        guard declared == computed else {
            throw ZarrError(.corruptChunk, "crc32c mismatch: stored 0x\(String(declared, radix: 16)), computed 0x\(String(computed, radix: 16)) over \(payload) bytes")
        }
        return Array(bytes[0..<payload])
    }

    func fixedEncodedSize(_ size: Int) -> Int? { maximumEncodedSize(size) }

    func maximumEncodedSize(_ size: Int) -> Int? { Shape.sum(size, 4) }
}
