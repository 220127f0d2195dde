/// A parsed `zarr.json`: a group's attributes or an array's metadata.
enum NodeDocument {
    case group(attributes: [String: JSONValue])
    case array(ArrayMetadata)

    static func metadataKey(_ path: String) -> String {
        path.isEmpty ? "zarr.json" : path + "/zarr.json"
    }

    /// The node at `path`, or `nil` when there is none.
    static func load(from store: any ReadableStore, path: String) throws(ZarrError) -> NodeDocument? {
        let key = metadataKey(path)
        guard let bytes = try store.get(key) else { return nil }
        return try parse(bytes, key: key)
    }

    /// The node whose `zarr.json` at `key` holds `bytes`.
    static func parse(_ bytes: [UInt8], key: String) throws(ZarrError) -> NodeDocument {
        do {
            return try parse(bytes)
        } catch {
            throw ZarrError(error.code, error.message, key: key, underlying: error.underlying)
        }
    }

    private static func parse(_ bytes: [UInt8]) throws(ZarrError) -> NodeDocument {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw ZarrError(.invalidMetadata, "zarr.json is not valid JSON", underlying: error)
        }
        guard json["zarr_format"]?.intValue == 3 else {
            throw ZarrError(.invalidMetadata, "zarr_format is \(json["zarr_format"] ?? .null), only Zarr v3 (3) is supported")
        }
        switch json["node_type"]?.stringValue {
        case "group": return .group(attributes: json["attributes"]?.objectValue ?? [:])
        case "array": return .array(try ArrayMetadata(json: json))
        default: throw ZarrError(.invalidMetadata, "node_type must be \"group\" or \"array\"")
        }
    }

    static func groupJSON(attributes: [String: JSONValue]) -> JSONValue {
        ["zarr_format": 3, "node_type": "group", "attributes": .object(attributes)]
    }
}

/// Joining and checking node paths ("a/b/c", "" for the root).
enum NodePath {
    /// `parent` joined with the relative `name` (which may hold several "/"-separated parts).
    /// - Throws: ``ZarrError/Code/invalidArgument`` for empty parts, "." or "..", names starting
    ///   with "__" (reserved by the spec) and "zarr.json".
    static func join(_ parent: String, _ name: String) throws(ZarrError) -> String {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        for part in parts where part.isEmpty || part == "." || part == ".." || part.hasPrefix("__") || part == "zarr.json" {
            throw ZarrError(.invalidArgument, "'\(name)' is not a valid node name")
        }
        return parent.isEmpty ? name : parent + "/" + name
    }
}
