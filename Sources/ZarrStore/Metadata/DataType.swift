/// The Zarr v3 core data types this implementation reads and writes.
///
/// Elements are held in memory in the host's byte order; the `bytes` codec converts to and from
/// the stored order.
public enum DataType: String, Sendable, CaseIterable {
    case bool
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case float32, float64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// The data type named `name` in metadata.
    /// - Throws: ``ZarrError/Code/unsupportedDataType`` naming it when it is not one of ours.
    public init(named name: JSONValue) throws(ZarrError) {
        guard let text = name.stringValue else {
            throw ZarrError(.unsupportedDataType, "data type \(name) is not a core data type name (extension data types are not supported)")
        }
        guard let type = DataType(rawValue: text) else {
            throw ZarrError(.unsupportedDataType, "data type '\(text)' is not supported (supported: \(DataType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = type
    }

    /// The element bytes (host order) of the fill value given in metadata.
    /// - Throws: ``ZarrError/Code/invalidMetadata`` when the value does not fit the type.
    public func fillBytes(from json: JSONValue) throws(ZarrError) -> [UInt8] {
        func bad() -> ZarrError {
            ZarrError(.invalidMetadata, "fill_value \(json) is not valid for data type \(rawValue)")
        }
        func integer<T: FixedWidthInteger>(_: T.Type) throws(ZarrError) -> [UInt8] {
            let value: T?
            switch json {
            case .int(let v): value = T(exactly: v)
            case .uint(let v): value = T(exactly: v)
            case .double(let v): value = T(exactly: v)
            default: value = nil
            }
            guard let value else { throw bad() }
            return withUnsafeBytes(of: value) { Array($0) }
        }
        func float<T: BinaryFloatingPoint & BitPatternConvertible>(_: T.Type) throws(ZarrError) -> [UInt8] {
            let value: T
            switch json {
            case .int(let v): value = T(v)
            case .uint(let v): value = T(v)
            case .double(let v): value = T(v)
            case .string("NaN"): value = .nan
            case .string("Infinity"): value = .infinity
            case .string("-Infinity"): value = -.infinity
            case .string(let s) where s.hasPrefix("0x"):
                // Zarr v3: the raw bits as a big-endian hexadecimal string.
                guard s.count == 2 + 2 * size, let bits = UInt64(s.dropFirst(2), radix: 16) else { throw bad() }
                value = T(bitPatternValue: bits)
            default: throw bad()
            }
            return withUnsafeBytes(of: value) { Array($0) }
        }
        switch self {
        case .bool:
            guard case .bool(let b) = json else { throw bad() }
            return [b ? 1 : 0]
        case .int8: return try integer(Int8.self)
        case .int16: return try integer(Int16.self)
        case .int32: return try integer(Int32.self)
        case .int64: return try integer(Int64.self)
        case .uint8: return try integer(UInt8.self)
        case .uint16: return try integer(UInt16.self)
        case .uint32: return try integer(UInt32.self)
        case .uint64: return try integer(UInt64.self)
        case .float32: return try float(Float.self)
        case .float64: return try float(Double.self)
        }
    }

    /// The metadata spelling of a fill value given as element bytes (host order).
    public func fillJSON(from bytes: [UInt8]) -> JSONValue {
        func load<T>(_: T.Type) -> T { bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) } }
        func float<T: BinaryFloatingPoint & BitPatternConvertible>(_ v: T) -> JSONValue {
            if v.isNaN {
                // The canonical quiet NaN is "NaN"; any other payload keeps its exact bits.
                if v.bitPatternValue == T.nan.bitPatternValue { return "NaN" }
                let hex = String(v.bitPatternValue, radix: 16)
                return .string("0x" + String(repeating: "0", count: 2 * size - hex.count) + hex)
            }
            if v.isInfinite { return .string(v < 0 ? "-Infinity" : "Infinity") }
            return .double(Double(v))
        }
        switch self {
        case .bool: return .bool(bytes[0] != 0)
        case .int8: return .int(Int64(load(Int8.self)))
        case .int16: return .int(Int64(load(Int16.self)))
        case .int32: return .int(Int64(load(Int32.self)))
        case .int64: return .int(load(Int64.self))
        case .uint8: return .int(Int64(load(UInt8.self)))
        case .uint16: return .int(Int64(load(UInt16.self)))
        case .uint32: return .int(Int64(load(UInt32.self)))
        case .uint64:
            let v = load(UInt64.self)
            return v <= UInt64(Int64.max) ? .int(Int64(v)) : .uint(v)
        case .float32: return float(load(Float.self))
        case .float64: return float(load(Double.self))
        }
    }
}

/// Floating-point types whose raw bits convert to and from `UInt64`.
public protocol BitPatternConvertible {
    init(bitPatternValue: UInt64)
    var bitPatternValue: UInt64 { get }
}

extension Float: BitPatternConvertible {
    public init(bitPatternValue: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: bitPatternValue)) }
    public var bitPatternValue: UInt64 { UInt64(bitPattern) }
}

extension Double: BitPatternConvertible {
    public init(bitPatternValue: UInt64) { self.init(bitPattern: bitPatternValue) }
    public var bitPatternValue: UInt64 { bitPattern }
}
