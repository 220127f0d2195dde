#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A decoded chunk: elements in host byte order, C order, with their shape.
struct ChunkArray: Sendable {
    var bytes: [UInt8]
    var shape: [Int]
    let elementSize: Int

    init(bytes: [UInt8], shape: [Int], elementSize: Int) {
        self.bytes = bytes
        self.shape = shape
        self.elementSize = elementSize
    }

    /// A chunk of `shape` whose every element is `fill`.
    init(filledWith fill: [UInt8], shape: [Int]) {
        let count = shape.reduce(1, *)
        let bytes: [UInt8]
        if fill.count == 1 {
            bytes = [UInt8](repeating: fill[0], count: count)
        } else {
            bytes = [UInt8](unsafeUninitializedCapacity: count * fill.count) { buffer, initialized in
                RegionCopy.fill(UnsafeMutableRawBufferPointer(buffer), shape: shape, origin: shape.map { _ in 0 }, extent: shape, pattern: fill)
                initialized = count * fill.count
            }
        }
        self.init(bytes: bytes, shape: shape, elementSize: fill.count)
    }

    /// Whether every element equals `fill` (such chunks need not be stored). The first element
    /// is compared with `fill`, then the buffer with itself shifted by one element (`memcmp`
    /// speed), which holds exactly when all elements are equal.
    func isFilled(with fill: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Self.isFilled($0, with: fill) }
    }

    /// Whether every element of `raw` equals `fill` (see ``isFilled(with:)``).
    static func isFilled(_ raw: UnsafeRawBufferPointer, with fill: [UInt8]) -> Bool {
        let size = fill.count
        guard raw.count >= size, let base = raw.baseAddress else { return true }
        guard raw.prefix(size).elementsEqual(fill) else { return false }
        return memcmp(base, base + size, raw.count - size) == 0
    }
}
