import ArgumentParser
import ZarrwlrArchive
import CodecCore

/// The options that name an archive: the store folder and the archive group inside it.
struct ArchiveLocation: ParsableArguments {
    @Option(help: "The Zarr store: a folder, or s3://BUCKET/PREFIX (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).") var store: String
    @Option(help: "The archive group inside the store (default: the root).") var group: String = ""

    /// Refuses a store that is neither a folder nor an S3 URL (`gs://...`, `s3:bucket`, an empty
    /// name) and a group with `.` or `..` in it before anything runs: exit 64, like any bad option.
    func validate() throws {
        do throws(CodecError) {
            try AudioArchive.checkStoreName(store)
        } catch {
            throw ValidationError("--store \(store): \(error.message)")
        }
        do throws(CodecError) {
            _ = try AudioArchive.groupPath(group)
        } catch {
            throw ValidationError("--group: \(error.message)")
        }
    }

    /// The archive, created with its store when missing (for `import`).
    func archiveCreatingIt() throws(CodecError) -> AudioArchive {
        try AudioArchive.openOrCreate(storePath: store, group: group)
    }

    /// The existing archive, opened without changing anything (every command but `import`).
    func archive() throws(CodecError) -> AudioArchive {
        try AudioArchive.open(storePath: store, group: group)
    }
}
