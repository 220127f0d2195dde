import Foundation
import Testing
import TestSupport
@testable import ZarrStore

/// Every store must behave the same; each test runs against the filesystem store (syncing as it
/// writes, and leaving its syncs to a ``DeferredSync``, which must then sync what is left of
/// what was written and removed) and the memory store.
@Suite struct StoreConformanceTests {
    enum Kind: String, CaseIterable, Sendable { case filesystem, filesystemDeferringSyncs, memory }

    private func withStore(_ kind: Kind, _ body: (any ZarrStorage) throws -> Void) throws {
        switch kind {
        case .filesystem:
            let folder = TemporaryFolder()
            try body(FilesystemStore(root: folder.path + "/store"))
        case .filesystemDeferringSyncs:
            let folder = TemporaryFolder()
            let deferredSync = DeferredSync()
            try body(FilesystemStore(root: folder.path + "/store", deferredSync: deferredSync))
            try deferredSync.syncAll()
        case .memory:
            try body(MemoryStore())
        }
    }

    @Test(arguments: Kind.allCases)
    func missingKeysAreNil(_ kind: Kind) throws {
        try withStore(kind) { store in
            #expect(try store.get("nope") == nil)
            #expect(try store.get("a/b/c", range: .suffix(length: 4)) == nil)
            #expect(try store.size(of: "nope") == nil)
            #expect(try store.listDirectory("nothing") == [])
            try store.erase("nope")
        }
    }

    @Test(arguments: Kind.allCases)
    func setGetAndByteRanges(_ kind: Kind) throws {
        try withStore(kind) { store in
            let value = (0..<100).map { UInt8($0) }
            try store.set("g/a/c/0", value)
            #expect(try store.get("g/a/c/0") == value)
            #expect(try store.size(of: "g/a/c/0") == 100)
            #expect(try store.get("g/a/c/0", range: .bounded(offset: 10, length: 5)) == [10, 11, 12, 13, 14])
            #expect(try store.get("g/a/c/0", range: .bounded(offset: 98, length: 5)) == [98, 99])
            #expect(try store.get("g/a/c/0", range: .from(offset: 97)) == [97, 98, 99])
            #expect(try store.get("g/a/c/0", range: .suffix(length: 2)) == [98, 99])
            #expect(try store.get("g/a/c/0", range: .suffix(length: 500)) == value)
            try store.set("g/a/c/0", [1])
            #expect(try store.get("g/a/c/0") == [1])
        }
    }

    @Test(arguments: Kind.allCases)
    func listAndErase(_ kind: Kind) throws {
        try withStore(kind) { store in
            for key in ["zarr.json", "g/zarr.json", "g/a/zarr.json", "g/a/c/0", "g/b/zarr.json", "h/zarr.json"] {
                try store.set(key, [0])
            }
            #expect(try store.listDirectory("") == ["g", "h", "zarr.json"])
            #expect(try store.listDirectory("g") == ["a", "b", "zarr.json"])
            try store.erasePrefix("g/a")
            #expect(try store.listDirectory("g") == ["b", "zarr.json"])
            #expect(try store.get("g/a/c/0") == nil)
            try store.erase("h/zarr.json")
            #expect(try store.get("h/zarr.json") == nil)
            #expect(try store.get("g/b/zarr.json") == [0])
        }
    }

    @Test func filesystemStoreRejectsEscapingKeys() {
        let folder = TemporaryFolder()
        let store = FilesystemStore(root: folder.path)
        for key in ["../x", "/etc/passwd", "a/../../x", "./a"] {
            #expect(throws: ZarrError.self) { try store.set(key, [1]) }
        }
    }

    @Test func filesystemStoreLeavesNoTemporaryFiles() throws {
        let folder = TemporaryFolder()
        let store = FilesystemStore(root: folder.path)
        for i in 0..<20 { try store.set("a/k\(i)", [UInt8(i)]) }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a")
        #expect(names.count == 20)
        #expect(!names.contains { $0.hasPrefix(".") })
    }
}
