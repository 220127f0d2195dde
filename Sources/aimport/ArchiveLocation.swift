import ArgumentParser
import AudioImport
import CodecCore

/// The options that name an archive: the store folder and the archive group inside it.
struct ArchiveLocation: ParsableArguments {
    @Option(help: "The Zarr store (a folder).") var store: String
    @Option(help: "The archive group inside the store (default: the root).") var at: String = ""

    /// The archive (the store and archive are created when missing).
    func archive() throws(CodecError) -> AudioArchive {
        try AudioArchive.openOrCreate(storePath: store, group: at)
    }
}
