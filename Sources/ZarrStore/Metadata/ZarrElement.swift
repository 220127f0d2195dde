/// A Swift type that holds the elements of arrays of one Zarr data type.
public protocol ZarrElement: BitwiseCopyable, Sendable {
    /// The Zarr data type whose elements this type holds.
    static var zarrDataType: DataType { get }
}

extension Bool: ZarrElement { public static var zarrDataType: DataType { .bool } }
extension Int8: ZarrElement { public static var zarrDataType: DataType { .int8 } }
extension Int16: ZarrElement { public static var zarrDataType: DataType { .int16 } }
extension Int32: ZarrElement { public static var zarrDataType: DataType { .int32 } }
extension Int64: ZarrElement { public static var zarrDataType: DataType { .int64 } }
extension UInt8: ZarrElement { public static var zarrDataType: DataType { .uint8 } }
extension UInt16: ZarrElement { public static var zarrDataType: DataType { .uint16 } }
extension UInt32: ZarrElement { public static var zarrDataType: DataType { .uint32 } }
extension UInt64: ZarrElement { public static var zarrDataType: DataType { .uint64 } }
extension Float: ZarrElement { public static var zarrDataType: DataType { .float32 } }
extension Double: ZarrElement { public static var zarrDataType: DataType { .float64 } }

extension Array where Element: ZarrElement {
    /// The elements as raw bytes in host order (the array itself, uncopied, for `[UInt8]`).
    var rawBytes: [UInt8] {
        // `as? [UInt8]` would cast element by element; when Element is UInt8 the types are identical.
        if Element.self == UInt8.self { return unsafeBitCast(self, to: [UInt8].self) }
        return withUnsafeBytes { [UInt8]($0) }
    }

    /// Elements read from raw host-order bytes (whose count is a multiple of the element size).
    init(rawBytes bytes: [UInt8]) {
        let count = bytes.count / MemoryLayout<Element>.stride
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count * MemoryLayout<Element>.stride]))
            }
            initialized = count
        }
    }
}
