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

    /// The blob writer of a new recording in `group` (the layout's shard and inner chunk sizes; a
    /// stream shorter than one shard is stored as one shard of its own length).
    public static func createBlob(in group: ZarrGroup) throws(CodecError) -> BlobWriter {
        try BlobWriter(in: group, name: blobArrayName, shardBytes: blobShardBytes, innerChunkBytes: blobInnerChunkBytes, fitsShortStreams: true)
    }

    /// The blob of the recording in `group`, its shard indexes read once (a committed blob does
    /// not change).
    /// - Throws: ``CodecError/Code/incompleteRecording`` when there is none.
    public static func openBlob(in group: ZarrGroup, codec: CodecID) throws(CodecError) -> BlobReader {
        do {
            return try BlobReader(try group.array(blobArrayName).cachingShardIndexes())
        } catch let error as CodecError {
            throw error
        } catch {
            throw CodecError.store(error, "no audio blob", codec: codec, file: group.path + "/" + blobArrayName)
        }
    }

    /// Writes the recording's attributes from its description; done last, after blob and index.
    public static func store(_ description: RecordingDescription, in group: ZarrGroup) throws(CodecError) {
        try storeDescription(description.attributes, in: group, codec: description.codec)
    }

    /// Writes the recording's namespaced attributes; done last, after blob and index.
    public static func storeDescription(_ description: [String: JSONValue], in group: ZarrGroup, codec: CodecID) throws(CodecError) {
        var recording = group
        do {
            try recording.setAttributes(group.attributes.merging(recordingAttributes(description)) { _, new in new })
        } catch {
            throw CodecError.store(error, "cannot write the recording attributes", codec: codec, file: group.path)
        }
    }
}
