extension Ogg {
    /// The page checksum (RFC 3533 §6): CRC-32 with polynomial 0x04C11DB7, initial value 0,
    /// unreflected, no final XOR, over the page with its checksum field set to zero.
    enum CRC {
        /// Slicing-by-8 tables, flat: table `t` holds entries `t * 256 ..< (t + 1) * 256`.
        static let tables: [UInt32] = {
            var tables = [UInt32](repeating: 0, count: 8 * 256)
            for n in 0..<256 {
                var c = UInt32(n) << 24
                for _ in 0..<8 { c = c & 0x8000_0000 != 0 ? (c << 1) ^ 0x04C1_1DB7 : c << 1 }
                tables[n] = c
            }
            for t in 1..<8 {
                for n in 0..<256 {
                    let previous = tables[(t - 1) * 256 + n]
                    tables[t * 256 + n] = (previous << 8) ^ tables[Int(previous >> 24)]
                }
            }
            return tables
        }()

        /// The checksum of `page`, reading its checksum field (bytes 22..<26) as zero.
        static func pageChecksum(_ page: UnsafeRawBufferPointer) -> UInt32 {
            var crc: UInt32 = 0
            tables.withUnsafeBufferPointer { t in
                func byte(_ i: Int) -> UInt8 { (22..<26).contains(i) ? 0 : page[i] }
                var i = 0
                while i < 28 && i < page.count {  // the header up to and past the checksum field
                    crc = (crc << 8) ^ t[Int(UInt8(crc >> 24) ^ byte(i))]
                    i += 1
                }
                while i + 8 <= page.count {
                    let high = crc ^ UInt32(bigEndian: page.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                    let low = UInt32(bigEndian: page.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                    crc = t[7 * 256 + Int(high >> 24)] ^ t[6 * 256 + Int((high >> 16) & 0xFF)]
                        ^ t[5 * 256 + Int((high >> 8) & 0xFF)] ^ t[4 * 256 + Int(high & 0xFF)]
                        ^ t[3 * 256 + Int(low >> 24)] ^ t[2 * 256 + Int((low >> 16) & 0xFF)]
                        ^ t[256 + Int((low >> 8) & 0xFF)] ^ t[Int(low & 0xFF)]
                    i += 8
                }
                while i < page.count {
                    crc = (crc << 8) ^ t[Int(UInt8(crc >> 24) ^ page[i])]
                    i += 1
                }
            }
            return crc
        }
    }
}
