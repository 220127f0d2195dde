import Testing
import TestSupport
@testable import ZarrStore

@Suite struct CRC32CTests {
    /// The check value of CRC-32C (RFC 3720 §B.4; iSCSI) for "123456789".
    @Test func matchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    /// RFC 3720 §B.4 test vectors: 32 bytes of zeros, of 0xFF, and an ascending sequence.
    @Test func matchesRFC3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func codecDetectsCorruption() throws {
        let codec = CRC32CCodec()
        var encoded = try codec.encode(Array(repeating: 7, count: 100))
        #expect(try codec.decode(encoded, limit: 100) == Array(repeating: 7, count: 100))
        encoded[50] ^= 1
        let error = #expect(throws: ZarrError.self) { try codec.decode(encoded, limit: 100) }
        #expect(error?.code == .corruptChunk)
    }
}
