internal import CCrypto

/// A message digest through libcrypto, streaming: feed any number of pieces, then take the
/// digest. SHA-256 (FIPS 180-4) for the provenance of sources; MD5 (RFC 1321) for FLAC's
/// STREAMINFO signature of the samples. libcrypto uses the CPU's SHA instructions where they
/// exist (1.4 GB/s on the benchmark machine, against 0.14 GB/s for a plain Swift
/// implementation), so checksums cost little next to encoding.
///
/// Owns one EVP context, freed in `deinit`; not Sendable (one per task).
public final class MessageDigest {
    /// The digests this computes.
    public enum Algorithm: Sendable {
        case sha256, md5
    }

    private let context: OpaquePointer

    public init(_ algorithm: Algorithm) {
        // EVP_MD_CTX_new fails only when memory is exhausted.
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, algorithm == .sha256 ? EVP_sha256() : EVP_md5(), nil)
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `bytes` to the message.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything added (32 bytes for SHA-256, 16 for MD5).
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        digest.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        return Array(digest.prefix(Int(length)))
    }

    /// The digest as lowercase hex.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }
}
