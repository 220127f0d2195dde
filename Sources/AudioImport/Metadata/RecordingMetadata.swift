import CodecCore
import Foundation
import ZarrStore

/// The bioacoustic metadata of a source file and the recording's start time.
///
/// Start time precedence: the user's --start-time, then GUANO Timestamp, then the AudioMoth
/// comment, then BWF bext origination date/time, then a file name of the AudioMoth
/// (`YYYYMMDD_HHMMSS`) or Wildlife Acoustics (`PREFIX_YYYYMMDD_HHMMSS`) pattern. It is stored as
/// ISO 8601 with the source it came from. A file name states no zone (AudioMoth writes local
/// time there when a time zone is set), so its time is stored naive, without an offset, and
/// flagged `naive`: a local time of unknown zone, never taken for UTC.
public enum RecordingMetadata {
    /// Metadata read from `path`, plus the user's, as the `metadata` and `start_time` attributes.
    public static func read(from path: String, user: JSONValue?, startTime userStartTime: String?) -> [String: JSONValue] {
        let chunks = RIFFChunks(path: path)
        var metadata: [String: JSONValue] = [:]
        var candidates: [(source: String, time: String)] = []
        var naiveCandidates: [(source: String, time: String)] = []
        if let userStartTime { candidates.append(("user", userStartTime)) }
        if let payload = chunks.payload("guan"), let guano = GUANO(payload) {
            metadata["guano"] = guano.json
            if let timestamp = guano.fields["Timestamp"] { candidates.append(("guano", timestamp)) }
        }
        let info = chunks.infoEntries()
        if let comment = info["ICMT"], let audioMoth = AudioMothComment(comment) {
            metadata["audiomoth"] = audioMoth.json
            if let time = audioMoth.startTime { candidates.append(("audiomoth_comment", time)) }
        }
        if !info.isEmpty { metadata["riff_info"] = .object(info.mapValues(JSONValue.string)) }
        if let payload = chunks.payload("bext"), let bext = BroadcastExtension(payload) {
            metadata["bext"] = bext.json
            if let time = bext.startTime { candidates.append(("bext", time)) }
        }
        if let time = fileNameTime(path) { naiveCandidates.append(("file_name", time)) }
        if let user { metadata["user"] = user }

        var result: [String: JSONValue] = [:]
        if !metadata.isEmpty { result["metadata"] = .object(metadata) }
        if let best = candidates.first {
            result["start_time"] = ["iso8601": .string(best.time), "source": .string(best.source)]
        } else if let best = naiveCandidates.first {
            result["start_time"] = [
                "iso8601": .string(best.time), "source": .string(best.source), "naive": true,
                "note": "local time of unknown zone (the file name states none)",
            ]
        }
        return result
    }

    /// A warning when the WAV header declares more audio than the file holds (a recorder that
    /// lost power before it could patch the sizes); libsndfile reads what is there.
    public static func truncationWarning(for path: String) -> String? {
        guard let data = RIFFChunks(path: path).chunks.first(where: { $0.id == "data" }),
              let fileSize = SourceFile.status(path)?.size
        else { return nil }
        let present = fileSize - data.offset
        guard data.size > present else { return nil }
        return "the header declares \(data.size) bytes of audio but the file holds \(present) (cut off?); imported what is there"
    }

    /// "20250416_000000.WAV" or "SITE1_20250416_000000.wav" -> "2025-04-16T00:00:00" (naive).
    static func fileNameTime(_ path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        guard let match = name.firstMatch(of: #/^(?:[^_]*_)*?(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?!\d)/#) else { return nil }
        let (_, y, mo, d, h, mi, s) = match.output
        guard let month = Int(mo), (1...12).contains(month), let day = Int(d), (1...31).contains(day),
              let hour = Int(h), hour < 24, let minute = Int(mi), minute < 60, let second = Int(s), second < 60
        else { return nil }
        return "\(y)-\(mo)-\(d)T\(h):\(mi):\(s)"
    }
}
