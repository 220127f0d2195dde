import CodecCore
import ZarrStore

/// Which recordings lie in which hour, kept at commit, so that `extract --at` and
/// `list --since/--until` read the recordings of the hours asked for, not the whole archive.
///
/// Layout, under the archive's `.zarrwlr/` (the same keys in a folder and on object storage):
/// `time/<hour>/<id>`, an empty entry for every UTC hour (hours since 1970) the recording has
/// samples in; `time/long/<id>` for a recording longer than ``maximumHours`` (always read);
/// `time/complete` once every recording of the archive has its entries.
///
/// Entries are hints, each confirmed by reading the recording's own metadata: an entry is
/// written before the commit (a crash leaves an entry of a recording that never appeared, which
/// is ignored) and before a start change, and one left behind by a deletion or an earlier start
/// names a recording that is not there (any more) at that time. Every commit writes its entries
/// whether the index is complete or not, so that an index started by one importer is not missing
/// the recordings another commits meanwhile.
struct TimeIndex {
    let store: any ZarrStorage
    /// The `.zarrwlr/time` prefix of the archive.
    let prefix: String

    /// A recording longer than this many hours has one `long` entry instead of one per hour.
    static let maximumHours = 24 * 366
    private static let longName = "long"
    private static let completeName = "complete"

    /// The hours (since 1970, UTC) that a recording starting at `start` and lasting `seconds`
    /// has samples in; nil when it is longer than ``maximumHours`` (or its times are absurd).
    static func hours(start: Double, seconds: Double) -> ClosedRange<Int>? {
        let end = start + seconds
        guard start.isFinite, end.isFinite, seconds > 0, abs(start) < 1e13, abs(end) < 1e13 else { return nil }
        let first = Int((start / 3600).rounded(.down)), last = Int((end / 3600).rounded(.up)) - 1
        guard last >= first, last - first < maximumHours else { return nil }
        return first...last
    }

    /// The keys of the entries of the recording `summary` describes; none without a start instant.
    private func keys(of summary: AudioArchive.Summary) -> [String] {
        guard let start = summary.startInstant, let seconds = summary.duration else { return [] }
        guard let hours = Self.hours(start: start.secondsSinceEpoch, seconds: seconds) else {
            return [prefix + "/" + Self.longName + "/" + summary.id]
        }
        return hours.map { prefix + "/\($0)/" + summary.id }
    }

    /// Writes the entries of the recording `summary` describes.
    func record(_ summary: AudioArchive.Summary) throws(CodecError) {
        do {
            for key in keys(of: summary) { try store.set(key, []) }
        } catch {
            throw CodecError.store(error, "cannot write the time index of recording \(summary.id)", file: prefix)
        }
    }

    /// Removes the entries the recording had as `old` describes it, except those it has as
    /// `current` describes it (best effort: an entry left behind is ignored by the readers).
    func forget(_ old: AudioArchive.Summary, keeping current: AudioArchive.Summary? = nil) {
        let kept = Set(current.map(keys(of:)) ?? [])
        for key in keys(of: old) where !kept.contains(key) { try? store.erase(key) }
    }

    /// Whether every recording of the archive has its entries.
    var isComplete: Bool { (try? store.exists(prefix + "/" + Self.completeName)) == true }

    /// Writes the entries of every recording in `summaries` (all the archive's), then marks the
    /// index complete.
    func start(with summaries: [AudioArchive.Summary]) throws(CodecError) {
        for summary in summaries where summary.damage == nil { try record(summary) }
        do { try store.set(prefix + "/" + Self.completeName, []) } catch {
            throw CodecError.store(error, "cannot complete the time index", file: prefix)
        }
    }

    /// The ids with entries for hours that overlap `[from, to)` (seconds since 1970, either
    /// infinite), and every `long` one; nil when the index is not complete (the caller lists).
    /// Costs one listing of the hours the archive has, and one per hour asked for that has entries.
    func candidates(from: Double, to: Double) throws(CodecError) -> Set<String>? {
        guard isComplete else { return nil }
        let first = from.isFinite ? Int((max(-1e13, min(1e13, from)) / 3600).rounded(.down)) : Int.min
        let last = to.isFinite ? Int((max(-1e13, min(1e13, to)) / 3600).rounded(.up)) - 1 : Int.max
        var ids = Set<String>()
        do {
            for name in try store.listDirectory(prefix) {
                guard name == Self.longName || Int(name).map({ (first...max(first, last)).contains($0) }) == true else { continue }
                for id in try store.listDirectory(prefix + "/" + name) where AudioArchive.isRecordingID(id) { ids.insert(id) }
            }
        } catch {
            throw CodecError.store(error, "cannot read the time index", file: prefix)
        }
        return ids
    }
}
