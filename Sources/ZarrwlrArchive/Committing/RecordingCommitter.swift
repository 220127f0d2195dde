import CodecCore
import ZarrStore

/// How recordings enter and leave an archive on one kind of storage: every decision that
/// differs between a folder (``LocalCommitter``: a staging folder renamed under a lock, with
/// fsyncs) and object storage (``ObjectCommitter``: claims and conditional writes). The archive
/// (``AudioArchive``) holds one and never asks which kind it is.
///
/// Whatever the storage, an import is invisible until its commit, and the commit makes it
/// visible complete in one step under an id never used before, unless the file is already in
/// the archive; nothing of a committed recording is removed except by ``delete(_:in:)``.
protocol RecordingCommitter: Sendable {
    /// Refuses a store whose layout would make the committer unsafe (on a folder: internal
    /// paths that are symbolic links). Run when the archive is opened.
    func refuseUnsafeLayout() throws(CodecError)

    /// Begins an import: a recording group that no reader lists until its commit.
    func begin(in archive: AudioArchive) throws(CodecError) -> any PendingRecording

    /// The committed recording made from the file with `sha256`, or nil; a constant number of
    /// reads or requests, whatever the archive's size.
    func recording(madeFrom sha256: String, in archive: AudioArchive) throws(CodecError) -> String?

    /// Deletes committed recording `id` in one step that readers see whole (its id never used
    /// again, its duplicate marker forgotten); returns what it was.
    /// - Throws: ``CodecError/Code/invalidArgument`` when there is no such recording.
    func delete(_ id: String, in archive: AudioArchive) throws(CodecError) -> AudioArchive.Summary?

    /// Runs `body`, a change of committed metadata, with other writers kept out where the
    /// storage needs it (a folder: the archive lock); on object storage every such write is a
    /// compare-and-swap (``ZarrGroup/changeAttributes(_:)``) and nothing is held.
    func excludingWriters<T>(of archive: AudioArchive, _ body: () throws(CodecError) -> T) throws(CodecError) -> T

    /// ``excludingWriters(of:_:)`` for work that suspends (an index rebuild).
    func excludingWriters<T>(of archive: AudioArchive, _ body: () async throws(CodecError) -> T) async throws(CodecError) -> T

    /// Removes what imports whose importer is gone left behind; returns how many imports.
    /// - Parameter staleAfter: seconds without renewal after which an importer of another
    ///   machine or boot counts as gone (nil: the committer's default).
    func collectGarbage(in archive: AudioArchive, staleAfter: Double?) -> Int

    /// Whether a numbered child without `zarr.json` is an import still being written (object
    /// storage writes a recording in place) rather than a damaged recording (a folder, where
    /// imports are written elsewhere and renamed).
    var uncommittedChildrenAreImports: Bool { get }
}

/// An import between ``RecordingCommitter/begin(in:)`` and its commit or removal.
protocol PendingRecording: Sendable {
    /// The recording group being written, with its attributes as last written.
    func group() throws(ZarrError) -> ZarrGroup

    /// Makes the recording visible under the next id, unless the file is already in the
    /// archive (then this import is removed and the existing recording named). Its time index
    /// entries (``TimeIndex``) are written first.
    func commit(sha256: String, allowDuplicate: Bool, report: ImportReport) async throws(CodecError) -> AudioArchive.Outcome

    /// Removes the import, leaving nothing.
    func remove()
}
