extension FLAC {
    /// The two checksums of a FLAC frame (RFC 9639 §9.1.8, §9.3): CRC-8 over the header
    /// (polynomial x^8 + x^2 + x + 1, initial 0) and CRC-16 over the whole frame
    /// (polynomial x^16 + x^15 + x^2 + 1, initial 0), both unreflected.
    enum CRC {
        static let table8: [UInt8] = (0..<256).map { n in
            var c = UInt8(n)
            for _ in 0..<8 { c = c & 0x80 != 0 ? (c << 1) ^ 0x07 : c << 1 }
            return c
        }

        /// Slicing-by-8 tables for CRC-16, flat: table `t` holds entries `t * 256 ..< (t + 1) * 256`;
        /// table 0 is the byte-at-a-time table.
        static let table16: [UInt16] = {
            var tables = [UInt16](repeating: 0, count: 8 * 256)
            for n in 0..<256 {
                var c = UInt16(n) << 8
                for _ in 0..<8 { c = c & 0x8000 != 0 ? (c << 1) ^ 0x8005 : c << 1 }
                tables[n] = c
            }
            for t in 1..<8 {
                for n in 0..<256 {
                    let previous = tables[(t - 1) * 256 + n]
                    tables[t * 256 + n] = (previous << 8) ^ tables[Int(previous >> 8)]
                }
            }
            return tables
        }()

        static func crc8(_ bytes: UnsafeRawBufferPointer) -> UInt8 {
            var crc: UInt8 = 0
            table8.withUnsafeBufferPointer { table in
                for byte in bytes { crc = table[Int(crc ^ byte)] }
            }
            return crc
        }

        static func crc16(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
            var crc: UInt16 = 0
            table16.withUnsafeBufferPointer { t in
                var i = 0
                while i + 8 <= bytes.count {
                    let b0 = bytes[i] ^ UInt8(crc >> 8), b1 = bytes[i + 1] ^ UInt8(crc & 0xFF)
                    crc = t[7 * 256 + Int(b0)] ^ t[6 * 256 + Int(b1)] ^ t[5 * 256 + Int(bytes[i + 2])] ^ t[4 * 256 + Int(bytes[i + 3])]
                        ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])] ^ t[1 * 256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
                    i += 8
                }
                while i < bytes.count {
                    crc = (crc << 8) ^ t[Int(UInt8(crc >> 8) ^ bytes[i])]
                    i += 1
                }
            }
            return crc
        }

        /// Whether `frame` (header through the trailing CRC-16) checks out.
        static func frameIsIntact(_ frame: UnsafeRawBufferPointer) -> Bool {
            guard frame.count >= 4 else { return false }
            let stored = UInt16(frame[frame.count - 2]) << 8 | UInt16(frame[frame.count - 1])
            return crc16(UnsafeRawBufferPointer(rebasing: frame[0..<frame.count - 2])) == stored
        }

        /// The CRC-16 of a frame whose header `old` (through its CRC-8) was replaced by `new`,
        /// from the CRC-16 the frame had (`crc`) and the bytes between header and CRC-16
        /// (`bodyBytes`), without reading the body: the CRC is linear and starts at 0, so
        /// crc(new + body) = crc(old + body) + (crc(old) + crc(new)) * x^(8 * bodyBytes) mod P.
        static func crc16(replacingHeader old: UnsafeRawBufferPointer, with new: UnsafeRawBufferPointer, inFrameWith crc: UInt16, bodyBytes: Int) -> UInt16 {
            crc ^ multiply(crc16(old) ^ crc16(new), power(ofXTo: 8 * bodyBytes))
        }

        /// a * b mod P over GF(2) (P = x^16 + x^15 + x^2 + 1).
        static func multiply(_ a: UInt16, _ b: UInt16) -> UInt16 {
            var product: UInt16 = 0
            for bit in stride(from: 15, through: 0, by: -1) {
                product = product & 0x8000 != 0 ? (product << 1) ^ 0x8005 : product << 1
                if b & (1 << UInt16(bit)) != 0 { product ^= a }
            }
            return product
        }

        /// x^n mod P, by squaring.
        static func power(ofXTo n: Int) -> UInt16 {
            var result: UInt16 = 1, base: UInt16 = 2, exponent = n
            while exponent > 0 {
                if exponent & 1 == 1 { result = multiply(result, base) }
                base = multiply(base, base)
                exponent >>= 1
            }
            return result
        }
    }
}
