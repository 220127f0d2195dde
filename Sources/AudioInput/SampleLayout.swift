/// How integer samples (or float bit patterns) lie as bytes: in a WAV, W64 or AIFF file's data,
/// or in FLAC's MD5 signature (little-endian, signed, the smallest whole number of bytes).
public struct SampleLayout: Equatable, Sendable {
    public var bytesPerSample: Int
    public var bigEndian: Bool
    /// 8-bit WAV samples are unsigned (offset 128).
    public var unsignedBytes: Bool
    public var float: Bool

    public init(bytesPerSample: Int, bigEndian: Bool, unsignedBytes: Bool, float: Bool) {
        (self.bytesPerSample, self.bigEndian, self.unsignedBytes, self.float) = (bytesPerSample, bigEndian, unsignedBytes, float)
    }

    /// Signed little-endian integers of `bytesPerSample` bytes (1-4).
    public static func littleEndian(bytesPerSample: Int) -> SampleLayout {
        SampleLayout(bytesPerSample: bytesPerSample, bigEndian: false, unsignedBytes: false, float: false)
    }

    /// Adds interleaved native samples, as bytes in this layout, to `digest`, serialised a piece
    /// (``pieces(_:)``) at a time into `buffer` (reused), so hashing a long segment takes one
    /// piece of memory, not the segment's bytes.
    public func hash(_ samples: UnsafeBufferPointer<Int32>, into digest: MessageDigest, through buffer: inout [UInt8]) {
        for piece in Self.pieces(samples.count) {
            buffer.removeAll(keepingCapacity: true)
            serialize(UnsafeBufferPointer(rebasing: samples[piece]), into: &buffer)
            digest.update(buffer)
        }
    }

    /// The ranges of at most 65,536 samples that cover `count` samples, in order: the pieces in
    /// which checksums serialise samples.
    public static func pieces(_ count: Int) -> LazyMapSequence<StrideTo<Int>, Range<Int>> {
        stride(from: 0, to: count, by: 65_536).lazy.map { $0..<min(count, $0 + 65_536) }
    }

    /// Appends interleaved native samples (integers at their value, or float bit patterns) as
    /// bytes in this layout.
    public func serialize(_ samples: UnsafeBufferPointer<Int32>, into bytes: inout [UInt8]) {
        let width = bytesPerSample, start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: samples.count * width))
        bytes.withUnsafeMutableBytes { whole in
            let out = UnsafeMutableRawBufferPointer(rebasing: whole[start...])
            // Whole-word stores the compiler vectorises for the common layouts (storeBytes
            // takes any alignment); bytes one by one for the rest.
            switch (width, bigEndian) {
            case (2, false):
                for index in samples.indices {
                    out.storeBytes(of: UInt16(truncatingIfNeeded: samples[index]).littleEndian, toByteOffset: 2 * index, as: UInt16.self)
                }
            case (4, false):
                for index in samples.indices {
                    out.storeBytes(of: UInt32(bitPattern: samples[index]).littleEndian, toByteOffset: 4 * index, as: UInt32.self)
                }
            case (3, false):
                for index in samples.indices {
                    let value = samples[index]
                    out.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, toByteOffset: 3 * index, as: UInt16.self)
                    out.storeBytes(of: UInt8(truncatingIfNeeded: value &>> 16), toByteOffset: 3 * index + 2, as: UInt8.self)
                }
            default:
                // The most significant byte first for big-endian files, the least first otherwise.
                let shifts = (0..<width).map { UInt32(8 * (bigEndian ? width - 1 - $0 : $0)) }
                let offset: Int32 = unsignedBytes && width == 1 ? 128 : 0
                var at = 0
                for value in samples {
                    let word = UInt32(bitPattern: value &+ offset)
                    for (k, shift) in shifts.enumerated() { out[at + k] = UInt8(truncatingIfNeeded: word &>> shift) }
                    at += width
                }
            }
        }
    }
}
