import Synchronization
import Testing
import ZarrStore

/// Changing a group's attributes from what is stored now, and children created through a group
/// object that another writer deleted meanwhile.
struct GroupChangeTests {
    /// A memory store with compare-and-swap whose first `lostAnswers` replaces take effect but
    /// report an I/O error (an answer lost on the way back), and which runs `interloper` once
    /// before the first replace (another writer coming between the read and the write).
    final class ConditionalMemoryStore: ConditionalStore {
        let base = MemoryStore()
        let lostAnswers = Mutex(0)
        let interloper = Mutex<(@Sendable (MemoryStore) -> Void)?>(nil)

        func get(_ key: String, range: ByteRange?) throws(ZarrError) -> [UInt8]? { try base.get(key, range: range) }
        func size(of key: String) throws(ZarrError) -> Int? { try base.size(of: key) }
        func set(_ key: String, _ bytes: [UInt8]) throws(ZarrError) { try base.set(key, bytes) }
        func erase(_ key: String) throws(ZarrError) { try base.erase(key) }
        func erasePrefix(_ prefix: String) throws(ZarrError) { try base.erasePrefix(prefix) }
        func listDirectory(_ prefix: String) throws(ZarrError) -> [String] { try base.listDirectory(prefix) }

        func getWithETag(_ key: String) throws(ZarrError) -> (bytes: [UInt8], etag: String)? {
            try base.get(key).map { ($0, String($0.hashValue)) }
        }

        func replace(_ key: String, _ bytes: [UInt8], ifMatch etag: String) throws(ZarrError) -> Bool {
            if let interloper = interloper.withLock({ value in defer { value = nil }; return value }) { interloper(base) }
            guard let current = try base.get(key), String(current.hashValue) == etag else { return false }
            try base.set(key, bytes)
            let lose = lostAnswers.withLock { count in defer { count = max(0, count - 1) }; return count > 0 }
            if lose { throw ZarrError(.io, "the answer was lost", key: key) }
            return true
        }
    }

    @Test func aChangeStartsFromTheStoredAttributesNotTheOnesReadEarlier() throws {
        let store = MemoryStore()
        var early = try ZarrGroup.create(in: store, at: "g", attributes: ["a": 1])
        var other = try ZarrGroup.open(in: store, at: "g")
        try other.setAttributes(["a": 1, "b": 2])
        try early.changeAttributes { stored in stored.merging(["c": 3]) { _, new in new } }
        #expect(try ZarrGroup.open(in: store, at: "g").attributes == ["a": 1, "b": 2, "c": 3])
        #expect(early.attributes == ["a": 1, "b": 2, "c": 3])
    }

    @Test func aCompareAndSwapReadsAgainAfterALostRaceAndALostAnswer() throws {
        let store = ConditionalMemoryStore()
        var group = try ZarrGroup.create(in: store, at: "g", attributes: ["n": 0])
        store.interloper.withLock { $0 = { base in try? base.set("g/zarr.json", Array(#"{"zarr_format":3,"node_type":"group","attributes":{"n":0,"x":1}}"#.utf8)) } }
        store.lostAnswers.withLock { $0 = 2 }
        var applied = 0
        // Appends one mark; recognises its own mark when a write it lost the answer of took effect.
        try group.changeAttributes { stored in
            if stored["mark"] != nil { return nil }
            applied += 1
            return stored.merging(["mark": "once", "n": .int(Int64((stored["n"]?.intValue ?? 0) + 1))]) { _, new in new }
        }
        #expect(try ZarrGroup.open(in: store, at: "g").attributes == ["n": 1, "x": 1, "mark": "once"])
        #expect(applied == 2)  // the first try lost the race to the interloper; the second took effect
    }

    @Test func aGroupDeletedMeanwhileIsNeverCreatedAgain() throws {
        let store = MemoryStore()
        var group = try ZarrGroup.create(in: store, at: "7", attributes: ["node": "recording"])
        try store.erasePrefix("7")
        #expect(throws: ZarrError.self) { try group.changeAttributes { $0.merging(["x": 1]) { _, new in new } } }
        _ = try group.createArray("index", metadata: ArrayMetadata(shape: [1], dataType: .uint8, chunkShape: [1]))
        #expect(try store.get("7/zarr.json") == nil, "the deleted group came back")
    }
}
