import ZarrStore

/// Names shared by every codec's recordings in the store (see docs/LAYOUT.md).
public enum RecordingLayout {
    /// The one attribute key under which this project keeps its metadata on a node.
    public static let attributeKey = "zarrwlr"
    /// The version of the layout described in docs/LAYOUT.md.
    public static let layoutVersion = 1
    /// The encoded stream, byte for byte: 1-D uint8, sharded, uncompressed.
    public static let blobArrayName = "audio_data_blob_array"
    /// Shard size of the blob (one file per shard).
    public static let blobShardBytes = 8 << 20
    /// Inner chunk size of the blob (the unit of parallel index ranges).
    public static let blobInnerChunkBytes = 256 << 10

    /// The namespaced attributes of a recording group, from its codec-specific description.
    public static func recordingAttributes(_ description: [String: JSONValue]) -> [String: JSONValue] {
        var namespaced = description
        namespaced["layout_version"] = .int(Int64(layoutVersion))
        namespaced["node"] = "recording"
        return [attributeKey: .object(namespaced)]
    }
}
