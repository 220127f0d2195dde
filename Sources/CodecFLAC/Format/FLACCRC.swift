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

        /// Slicing-by-8 tables for CRC-16; `table16[0]` is the byte-at-a-time table.
        static let table16: [[UInt16]] = {
            var tables = [[UInt16]](repeating: [UInt16](repeating: 0, count: 256), count: 8)
            for n in 0..<256 {
                var c = UInt16(n) << 8
                for _ in 0..<8 { c = c & 0x8000 != 0 ? (c << 1) ^ 0x8005 : c << 1 }
                tables[0][n] = c
            }
            for t in 1..<8 {
                for n in 0..<256 {
                    let previous = tables[t - 1][n]
                    tables[t][n] = (previous << 8) ^ tables[0][Int(previous >> 8)]
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
            var i = 0
            let n = bytes.count
            let t = table16
            t[0].withUnsafeBufferPointer { t0 in
            t[1].withUnsafeBufferPointer { t1 in
            t[2].withUnsafeBufferPointer { t2 in
            t[3].withUnsafeBufferPointer { t3 in
            t[4].withUnsafeBufferPointer { t4 in
            t[5].withUnsafeBufferPointer { t5 in
            t[6].withUnsafeBufferPointer { t6 in
            t[7].withUnsafeBufferPointer { t7 in
                while i + 8 <= n {
                    let b0 = bytes[i] ^ UInt8(crc >> 8), b1 = bytes[i + 1] ^ UInt8(crc & 0xFF)
                    crc = t7[Int(b0)] ^ t6[Int(b1)] ^ t5[Int(bytes[i + 2])] ^ t4[Int(bytes[i + 3])]
                        ^ t3[Int(bytes[i + 4])] ^ t2[Int(bytes[i + 5])] ^ t1[Int(bytes[i + 6])] ^ t0[Int(bytes[i + 7])]
                    i += 8
                }
                while i < n {
                    crc = (crc << 8) ^ t0[Int(UInt8(crc >> 8) ^ bytes[i])]
                    i += 1
                }
            }}}}}}}}
            return crc
        }

        /// Whether `frame` (header through the trailing CRC-16) checks out.
        static func frameIsIntact(_ frame: UnsafeRawBufferPointer) -> Bool {
            guard frame.count >= 4 else { return false }
            let stored = UInt16(frame[frame.count - 2]) << 8 | UInt16(frame[frame.count - 1])
            return crc16(UnsafeRawBufferPointer(rebasing: frame[0..<frame.count - 2])) == stored
        }
    }
}
