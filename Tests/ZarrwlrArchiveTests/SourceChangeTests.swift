import CodecCore
import Foundation
import Testing
import TestSupport
import ZarrwlrArchive

/// A source that changes while it is imported (a copy from a card still running, a recorder
/// still writing, another file moved over it) is not committed: what was read of it is not the
/// file. The import fails naming the file, nothing is added, and the complete file imports.
@Suite struct SourceChangeTests {
    /// `change` done to the file just before the commit, as a writer would meanwhile.
    private func importWhile(_ change: @escaping @Sendable (String) -> Void) async throws {
        let folder = TemporaryFolder()
        let file = folder.path + "/t.wav", other = folder.path + "/u.wav"
        try TestAudio.tone(file, seconds: 0.5)
        try TestAudio.tone(other, seconds: 0.5, frequency: 660)
        let archive = try AudioArchive.openOrCreate(storePath: folder.path + "/a.zarr")
        do {
            _ = try await archive.importFile(file, beforeCommit: { change(file) })
            Issue.record("a file that changed during its import was committed")
        } catch {
            #expect(error.code == .storage)
            #expect(error.file == file)
            #expect(error.message.contains("changed while it was being imported"), "\(error)")
        }
        #expect(try archive.recordings().isEmpty)
        guard case .imported = try await archive.importFile(file) else {
            Issue.record("the unchanged file did not import")
            return
        }
    }

    @Test func aFileThatGrowsIsNotCommitted() async throws {
        try await importWhile { file in
            guard let handle = FileHandle(forWritingAtPath: file) else { return }
            handle.seekToEndOfFile()
            handle.write(Data(repeating: 0, count: 4096))
            try? handle.close()
        }
    }

    @Test func aFileReplacedByAnotherOfTheSameSizeIsNotCommitted() async throws {
        try await importWhile { file in
            _ = rename((file as NSString).deletingLastPathComponent + "/u.wav", file)
        }
    }
}
