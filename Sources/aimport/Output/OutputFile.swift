import CodecCore
import Foundation

/// A file a command creates (`extract --output`, `export --output`): refused when it names a
/// folder, or an existing file unless `force`; written under a temporary name beside it and put
/// in place only when complete, so that a failed or interrupted command leaves nothing behind.
struct OutputFile {
    /// Where the file goes.
    let path: String
    /// Where it is written until complete (same folder, so the final rename is atomic).
    let partial: String
    let force: Bool

    /// - Throws: ``CodecError/Code/cannotCreate`` when `path` is a folder, or an existing file
    ///   and `force` is false (the message says how to go on).
    init(_ path: String, force: Bool) throws(CodecError) {
        var isFolder: ObjCBool = false
        if path.hasSuffix("/") || FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue {
            throw CodecError(.cannotCreate, "--output names a folder; give a file name inside it, e.g. \((path as NSString).appendingPathComponent("clip.wav"))", file: path)
        }
        if !force, FileManager.default.fileExists(atPath: path) {
            throw CodecError(.cannotCreate, "the file exists; add --force to replace it, or name another output file", file: path)
        }
        self.path = path
        self.force = force
        let folder = (path as NSString).deletingLastPathComponent
        partial = (folder.isEmpty ? "" : folder + "/") + ".\((path as NSString).lastPathComponent).zarrwlr-partial-\(UUID().uuidString)"
        Interruption.register(partial: partial)
    }

    /// Puts the complete partial file in place: replacing an existing file only with `force`.
    /// An interruption that arrived before stops the command instead (nothing is put in place).
    func commit() throws(CodecError) {
        defer { discard() }
        try Interruption.putInPlace(partial) { () throws(CodecError) in
            if force {
                guard rename(partial, path) == 0 else { throw CodecError(.cannotCreate, "cannot create: \(String(cString: strerror(errno)))", file: path) }
            } else {
                // link(2) fails with EEXIST rather than replace a file that appeared meanwhile.
                guard link(partial, path) == 0 else {
                    let reason = errno == EEXIST ? "the file appeared while it was being written; add --force to replace it" : String(cString: strerror(errno))
                    throw CodecError(.cannotCreate, "cannot create: \(reason)", file: path)
                }
                unlink(partial)
            }
        }
    }

    /// Removes the partial file (after a failure; after ``commit()`` it is gone already).
    func discard() {
        unlink(partial)
        Interruption.unregister(partial: partial)
    }
}
