/// How chunk grid coordinates become store keys (Zarr v3 §"chunk key encoding").
public enum ChunkKeyEncoding: Sendable, Hashable {
    /// `c/0/1` (separator "/") or `c.0.1` (separator "."); `c` for a 0-d array.
    case `default`(separator: Character)
    /// Zarr v2 style: `0.1` (separator ".") or `0/1`; `0` for a 0-d array.
    case v2(separator: Character)

    /// The store key, relative to the array's folder, of the chunk at `coordinates`.
    public func key(for coordinates: [Int]) -> String {
        switch self {
        case .default(let separator):
            return (["c"] + coordinates.map(String.init)).joined(separator: String(separator))
        case .v2(let separator):
            return coordinates.isEmpty ? "0" : coordinates.map(String.init).joined(separator: String(separator))
        }
    }

    /// Parses the `chunk_key_encoding` member of array metadata.
    public init(json: JSONValue) throws(ZarrError) {
        guard let name = json["name"]?.stringValue else {
            throw ZarrError(.invalidMetadata, "chunk_key_encoding has no name: \(json)")
        }
        let configured = json["configuration"]?["separator"]?.stringValue
        switch name {
        case "default": self = .default(separator: try Self.separator(configured ?? "/"))
        case "v2": self = .v2(separator: try Self.separator(configured ?? "."))
        default: throw ZarrError(.unsupportedChunkKeyEncoding, "chunk key encoding '\(name)' is not supported (supported: default, v2)")
        }
    }

    private static func separator(_ text: String) throws(ZarrError) -> Character {
        guard text == "/" || text == "." else {
            throw ZarrError(.invalidMetadata, "chunk key separator must be \"/\" or \".\", not \"\(text)\"")
        }
        return Character(text)
    }

    /// The metadata spelling.
    public var json: JSONValue {
        switch self {
        case .default(let s): return ["name": "default", "configuration": ["separator": .string(String(s))]]
        case .v2(let s): return ["name": "v2", "configuration": ["separator": .string(String(s))]]
        }
    }
}
