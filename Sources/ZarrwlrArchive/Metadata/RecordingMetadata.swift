import AudioInput
import CodecCore
import CodecOpus
import Foundation
import ZarrStore

/// The bioacoustic metadata of a source file and the recording's start time.
///
/// Start time precedence: the user's --start-time, then the times that state their zone (a GUANO
/// Timestamp with an offset, a Wildlife Acoustics "wamd" timestamp with one, the AudioMoth
/// comment, a file name with an offset as Frontier Labs' BAR-LT writes it:
/// `20191026T000000+1000_REC.flac`), then those that state none (a GUANO Timestamp without an
/// offset, a "wamd" timestamp without one, BWF bext origination date/time, a file name of the
/// AudioMoth (`YYYYMMDD_HHMMSS`) or Wildlife Acoustics (`PREFIX_YYYYMMDD_HHMMSS`) pattern, or
/// `YYYYMMDDTHHMMSS` without an offset). WAV chunks are
/// read from the file, or from a FLAC file's foreign metadata (``RIFFChunks``). The start is
/// stored as ISO 8601 with the source it came from. A time without a zone is a local time of
/// unknown zone: it is stored as written, flagged `naive`, never taken for UTC, unless the user
/// names the zone (`--timezone`), which is then recorded beside it (`time_zone`, `local_time`).
public enum RecordingMetadata {
    /// Metadata read from `path`, plus the user's, as the `metadata` and `start_time` attributes.
    /// - Parameter timeZone: the zone of times that state none (nil: they stay naive).
    public static func read(from path: String, user: JSONValue?, startTime userStartTime: String?, timeZone: TimeZoneSpec? = nil) -> [String: JSONValue] {
        let chunks = RIFFChunks.ofAudioFile(path)
        var metadata: [String: JSONValue] = [:]
        var candidates: [(source: String, time: String)] = []
        var naiveCandidates: [(source: String, time: String)] = []
        /// A time the file states: with its zone an instant, without one a local time; else nothing.
        func offer(_ source: String, _ time: String?) {
            guard let time else { return }
            if Instant(time) != nil {
                candidates.append((source, time))
            } else if LocalTime(time) != nil {
                naiveCandidates.append((source, time))
            }
        }
        if let userStartTime { candidates.append(("user", userStartTime)) }
        if let payload = chunks.payload("guan"), let guano = GUANO(payload) {
            metadata["guano"] = guano.json
            offer("guano", guano.fields["Timestamp"])
        }
        if let payload = chunks.payload("wamd"), let wamd = WildlifeAcousticsMetadata(payload) {
            metadata["wamd"] = wamd.json
            offer("wamd", wamd.startTime)
        }
        let info = chunks.infoEntries()
        if let comment = info["ICMT"], let audioMoth = AudioMothComment(comment) {
            metadata["audiomoth"] = audioMoth.json
            if let time = audioMoth.startTime { candidates.append(("audiomoth_comment", time)) }
        }
        if !info.isEmpty { metadata["riff_info"] = .object(info.mapValues(JSONValue.string)) }
        if let payload = chunks.payload("bext"), let bext = BroadcastExtension(payload) {
            metadata["bext"] = bext.json
            offer("bext", bext.startTime)
        }
        offer("file_name", fileNameTime(path))
        if let user { metadata["user"] = user }

        var result: [String: JSONValue] = [:]
        if !metadata.isEmpty { result["metadata"] = .object(metadata) }
        if let best = candidates.first {
            result["start_time"] = ["iso8601": .string(best.time), "source": .string(best.source)]
        } else if let best = naiveCandidates.first, let local = LocalTime(best.time) {
            result["start_time"] = startTime(local, source: best.source, in: timeZone)
        }
        return result
    }

    /// What a start time's source is, in words.
    static func describing(_ source: String) -> String {
        switch source {
        case "file_name": "file name"
        case "guano": "GUANO Timestamp"
        case "wamd": "Wildlife Acoustics timestamp"
        case "bext": "bext origination time"
        default: source
        }
    }

    /// The `start_time` attribute of a time `local` that states no zone: placed in `zone` when
    /// one is given (with the zone and the time as written, and `clock_change` when a clock
    /// change in the zone repeats or skips it), else kept naive.
    static func startTime(_ local: LocalTime, source: String, in zone: TimeZoneSpec?) -> JSONValue {
        guard let zone else {
            return [
                "iso8601": .string(local.text), "source": .string(source), "naive": true,
                "note": .string("local time of unknown zone (the \(describing(source)) states none); name it with --timezone"),
            ]
        }
        var placed: [String: JSONValue] = ["iso8601": .string(local.instant(in: zone).text), "source": .string(source), "time_zone": .string(zone.text), "local_time": .string(local.text)]
        if let change = local.clockChange(in: zone) { placed["clock_change"] = .string("the \(describing(source)) says " + change) }
        return .object(placed)
    }

    /// A warning when the WAV header declares more audio than the file holds, none although
    /// audio follows (a recorder that lost power before it could patch the sizes), or less than
    /// follows past 4 GiB (a size wrapped or clamped at 32 bits); what is there is imported (see
    /// ``UnfinalisedWAV``).
    public static func truncationWarning(for path: String) -> String? {
        if let repair = UnfinalisedWAV.detect(path) {
            guard repair.statedBytes > 0 else {
                return "the header declares no audio, but \(repair.audioBytes) bytes follow its data chunk (a header never finalised, as when a recorder loses power): imported them as audio"
            }
            return "the header declares \(repair.statedBytes) bytes of audio, but \(repair.audioBytes) follow its data chunk (past 4 GiB a WAV's 32-bit size cannot state them, and its writer left it wrapped or clamped instead of writing RF64): imported them all as audio"
        }
        if let ogg = try? Ogg.walk(file: path) {
            return ogg.isCutOff ? "the Ogg stream ends before its last page (its end-of-stream page is missing, or the file ends inside a page: cut off?); imported what is there" : nil
        }
        guard let audio = AudioChunk.locate(path), let fileSize = SourceFile.status(path)?.size else { return nil }
        let present = max(0, fileSize - audio.offset)
        guard audio.statedBytes > present else { return nil }
        return "the header declares \(audio.statedBytes) bytes of audio but the file holds \(present) (cut off?); imported what is there"
    }

    /// The warning for a time-expanded recording: GUANO's `TE` or the wamd chunk's time
    /// expansion above 1, as time-expansion bat detectors write them (the file's rate is the real
    /// rate divided by the factor). Its samples are kept as the file holds them and its times are
    /// counted at the file's rate, so its duration and the wall-clock times inside it are the
    /// factor times the real ones: the import says so rather than leaving it unsaid.
    static func timeExpansionWarning(_ facts: [String: JSONValue]) -> String? {
        let stated: [(Int?, String)] = [
            (facts["metadata"]?["guano"]?["TE"]?.stringValue.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }, "GUANO TE"),
            (facts["metadata"]?["wamd"]?["time_expansion"]?.intValue.map { Int($0) }, "wamd time expansion"),
        ]
        guard let (factor, source) = stated.first(where: { ($0.0 ?? 0) > 1 }).map({ ($0.0 ?? 1, $0.1) }),
              let rate = facts["sample_rate"]?.intValue.map({ Int($0) })
        else { return nil }
        let (real, overflow) = rate.multipliedReportingOverflow(by: factor)
        return "a time-expanded recording (\(source) \(factor)): its samples are kept at the file's rate, \(rate) Hz, at which aimport also counts its time, so its duration and the wall-clock times inside it are \(factor) times the real ones\(overflow ? "" : " (recorded at \(real) Hz)"); its start is right, and extraction by sample index is exact"
    }

    /// The start a file name states: "20250416_000000.WAV" or "SITE1_20250416_000000.wav" ->
    /// "2025-04-16T00:00:00" (no zone); ISO 8601's basic form, "20191026T000000+1000_REC.flac"
    /// (Frontier Labs' BAR-LT, also behind a site prefix: "DUVAL-DRYA-20210419T000000+1000_REC")
    /// -> "2019-10-26T00:00:00+10:00", or without an offset (or with one out of range) ->
    /// "2019-10-26T00:00:00"; ISO 8601's extended form with the time's colons written as "-", "_"
    /// or ".", as phone apps and single-board recorders write it ("Rec_2025-04-16_04-30-00.wav",
    /// "2025-04-16 04.30.00.flac") -> "2025-04-16T04:30:00" (no zone); SoundTrap's
    /// "<serial>.<YYMMDDHHMMSS>.wav" ("5380.201015123456.wav") -> "2020-10-15T12:34:56" (no zone).
    static func fileNameTime(_ path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        let underscored = name.firstMatch(of: #/^(?:[^_]*_)*?(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})(?!\d)/#).map { ($0.output.1, $0.output.2, $0.output.3, $0.output.4, $0.output.5, $0.output.6, Substring?.none) }
        let basic = name.firstMatch(of: #/(?:^|[^0-9])(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4}(?!\d))?(?![0-9])/#).map { ($0.output.1, $0.output.2, $0.output.3, $0.output.4, $0.output.5, $0.output.6, $0.output.7) }
        // ISO 8601's extended form with the colons (which FAT cards cannot hold) written as "-",
        // "_" or ".", the same between the time's three parts: "Rec_2025-04-16_04-30-00.wav".
        let extended = name.firstMatch(of: #/(?:^|[^0-9])(\d{4})-(\d{2})-(\d{2})[_T ](\d{2})([-_.])(\d{2})\5(\d{2})(?![0-9])/#).map { ($0.output.1, $0.output.2, $0.output.3, $0.output.4, $0.output.6, $0.output.7, Substring?.none) }
        // Ocean Instruments' SoundTrap: "<serial>.<YYMMDDHHMMSS>.wav" ("5380.201015123456.wav").
        let soundTrap = name.wholeMatch(of: #/\d+\.(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.[A-Za-z0-9]+/#).map { (Substring("20" + $0.output.1), $0.output.2, $0.output.3, $0.output.4, $0.output.5, $0.output.6, Substring?.none) }
        guard let (y, mo, d, h, mi, s, zone) = underscored ?? basic ?? extended ?? soundTrap else { return nil }
        guard let month = Int(mo), (1...12).contains(month), let day = Int(d), (1...31).contains(day),
              let hour = Int(h), hour < 24, let minute = Int(mi), minute < 60, let second = Int(s), second < 60
        else { return nil }
        let local = "\(y)-\(mo)-\(d)T\(h):\(mi):\(s)"
        guard let zone else { return local }
        let stated = local + (zone == "Z" ? "Z" : "\(zone.prefix(3)):\(zone.suffix(2))")
        return Instant(stated) != nil ? stated : local
    }
}
