import Testing
import TestSupport
import ZarrStore
@testable import ZarrwlrArchive

@Suite struct StoreSelfCheckTests {
    @Test func selfCheckPassesOnAFreshFolder() throws {
        let folder = TemporaryFolder()
        let report = try StoreSelfCheck(folder: folder.path + "/store").run()
        #expect(report.passed)
        #expect(report.blobBytes == 5 * 700_001)
        // The blob must be sharded on disk: one shard file per MiB, not one file per inner chunk.
        let store = FilesystemStore(root: folder.path + "/store")
        #expect(try store.listDirectory("blob/c").count == 4)
    }

    @Test func selfCheckRefusesAFolderThatHoldsAStore() throws {
        let folder = TemporaryFolder()
        _ = try StoreSelfCheck(folder: folder.path).run()
        let error = #expect(throws: ZarrError.self) { try StoreSelfCheck(folder: folder.path).run() }
        #expect(error?.code == .nodeExists)
    }

    @Test func everyLinkedLibraryReportsAVersion() {
        let versions = LinkedLibraries.versions()
        #expect(versions.map(\.library) == ["libFLAC", "libopus", "libopusenc", "libsndfile", "libwavpack", "libzstd"])
        #expect(versions.allSatisfy { $0.version.contains(where: \.isNumber) })
    }
}
