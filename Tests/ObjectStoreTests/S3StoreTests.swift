import Foundation
import Synchronization
import Testing
import TestSupport
import ZarrStore
@testable import ObjectStore

/// The S3 store against a real S3 server (SeaweedFS, which checks signatures): values, ranges,
/// listings, conditional writes under a race, and refusals.
@Suite struct S3StoreTests {
    private func store(_ environment: [String: String]? = S3TestServer.environment, location: String = S3TestServer.freshLocation()) throws -> S3Store? {
        guard let environment else {
            Issue.record(Comment(rawValue: S3TestServer.missing))
            return nil
        }
        guard let parsed = S3Location(location) else { return nil }
        return S3Store(parsed, client: try S3Client(environment: environment))
    }

    @Test func valuesRangesAndListings() throws {
        guard let store = try store() else { return }
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try store.set("a/zarr.json", Array("{}".utf8))
        try store.set("a/b/c/0", bytes)
        try store.set("a/b/c/1", [])
        try store.set("a/name with space+plus", [1, 2, 3])
        #expect(try store.get("a/b/c/0") == bytes)
        #expect(try store.get("a/b/c/0", range: .bounded(offset: 100, length: 50)) == Array(bytes[100..<150]))
        #expect(try store.get("a/b/c/0", range: .from(offset: 4990)) == Array(bytes[4990...]))
        #expect(try store.get("a/b/c/0", range: .suffix(length: 7)) == Array(bytes[4993...]))
        #expect(try store.get("a/b/c/1") == [])
        #expect(try store.get("a/missing") == nil)
        #expect(try store.size(of: "a/b/c/0") == 5000)
        #expect(try store.size(of: "a/missing") == nil)
        #expect(try store.get("a/name with space+plus") == [1, 2, 3])
        #expect(try store.listDirectory("a") == ["b", "name with space+plus", "zarr.json"])
        #expect(try store.listDirectory("a/b/c") == ["0", "1"])
        #expect(try store.listDirectory("") == ["a"])
        try store.erasePrefix("a/b")
        // Every object below is gone (SeaweedFS may still list the emptied folder as a prefix).
        #expect(try store.keys(below: "a/b").isEmpty)
        #expect(try store.get("a/b/c/0") == nil)
        #expect(try store.listDirectory("a").filter { $0 != "b" } == ["name with space+plus", "zarr.json"])
        try store.erase("a/zarr.json")
        try store.erase("a/zarr.json")  // erasing a missing key does nothing
        #expect(try store.get("a/zarr.json") == nil)
    }

    /// 16 writers race for one create-if-absent key: exactly one wins, and its value is there.
    @Test func createIfAbsentHasExactlyOneWinner() async throws {
        guard let store = try store() else { return }
        for round in 0..<3 {
            let key = "claims/\(round)"
            let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
                for writer in 0..<16 {
                    group.addTask { try store.createIfAbsent(key, Array("writer \(writer)".utf8)) ? writer : nil }
                }
                var found: [Int] = []
                for try await winner in group { if let winner { found.append(winner) } }
                return found
            }
            #expect(winners.count == 1, "round \(round): \(winners)")
            if let winner = winners.first { #expect(try store.get(key) == Array("writer \(winner)".utf8)) }
            #expect(try !store.createIfAbsent(key, [0]))
        }
    }

    @Test func compareAndSwapReplacesOnlyTheVersionRead() throws {
        guard let store = try store() else { return }
        try store.set("counter", Array("0".utf8))
        guard let (_, etag) = try store.getWithETag("counter") else { Issue.record("no value"); return }
        #expect(try store.replace("counter", Array("1".utf8), ifMatch: etag))
        #expect(try !store.replace("counter", Array("2".utf8), ifMatch: etag))  // the version read is gone
        #expect(try store.get("counter") == Array("1".utf8))
    }

    @Test func wrongCredentialsAndMissingBucketsAreTold() throws {
        guard var environment = S3TestServer.environment else { Issue.record(Comment(rawValue: S3TestServer.missing)); return }
        let missing = try store(environment, location: "s3://no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())/x")
        let notFound = #expect(throws: ZarrError.self) { try missing?.checkAccess() }
        #expect(notFound?.code == .storeNotFound)
        environment["AWS_SECRET_ACCESS_KEY"] = "wrong"
        let denied = #expect(throws: ZarrError.self) { try self.store(environment)?.checkAccess() }
        #expect(denied?.code == .permissionDenied)
        let write = #expect(throws: ZarrError.self) { try self.store(environment)?.set("x", [1]) }
        #expect(write?.code == .permissionDenied)
    }

    /// Zarr groups and arrays written through the store read back through the node API.
    @Test func zarrNodesRoundTrip() throws {
        guard let store = try store() else { return }
        let group = try ZarrGroup.create(in: store, at: "archive", attributes: ["k": "v"])
        let array = try group.createArray("data", metadata: ArrayMetadata(
            shape: [10_000], dataType: .uint8, chunkShape: [4096],
            codecs: [.shardingIndexed(ShardingSpec(chunkShape: [1024], codecs: [.bytes(endian: nil)]))]))
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try array.write(bytes)
        let reopened = try ZarrGroup.open(in: store, at: "archive")
        #expect(reopened.attributes["k"] == "v")
        #expect(try reopened.array("data").readBytes(1000..<9000) == Array(bytes[1000..<9000]))
    }
}
