extension JSONValue {
    /// The document as UTF-8 JSON: keys sorted, two-space indentation, so the same value always
    /// gives the same bytes.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        write(into: &out, indent: 0)
        out.append(0x0A)
        return out
    }

    private func write(into out: inout [UInt8], indent: Int) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let v): out += Array(String(v).utf8)
        case .uint(let v): out += Array(String(v).utf8)
        case .double(let v): out += Array(Self.format(v).utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty { out += Array("[]".utf8); return }
            out += Array("[\n".utf8)
            for (i, element) in elements.enumerated() {
                out += Array(repeating: 0x20, count: indent + 2)
                element.write(into: &out, indent: indent + 2)
                out += Array((i + 1 < elements.count ? ",\n" : "\n").utf8)
            }
            out += Array(repeating: 0x20, count: indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out += Array("{}".utf8); return }
            out += Array("{\n".utf8)
            let keys = members.keys.sorted()
            for (i, key) in keys.enumerated() {
                out += Array(repeating: 0x20, count: indent + 2)
                Self.writeString(key, into: &out)
                out += Array(": ".utf8)
                members[key]!.write(into: &out, indent: indent + 2)
                out += Array((i + 1 < keys.count ? ",\n" : "\n").utf8)
            }
            out += Array(repeating: 0x20, count: indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Finite doubles only; the Zarr layer spells non-finite values as strings ("NaN",
    /// "Infinity") before they get here. Swift prints integral doubles as "1.0", so they read
    /// back as floats.
    private static func format(_ v: Double) -> String {
        v.isFinite ? "\(v)" : "null"
    }

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
