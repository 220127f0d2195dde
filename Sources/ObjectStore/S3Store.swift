import Foundation
import ZarrStore

/// A Zarr store on S3-protocol object storage: keys below the location's prefix, values as
/// objects. Reads are ranged GETs, writes whole-object PUTs (atomic on S3: a reader sees the old
/// object or the new one), listings ListObjectsV2 with a "/" delimiter. Besides the store
/// protocols it offers the conditional writes a commit protocol needs (``createIfAbsent(_:_:)``,
/// ``replace(_:_:ifMatch:)``). Safe to share between tasks: each request is independent.
public final class S3Store: ConditionalStore {
    /// Every read is a request to the server.
    public var readsAreRoundTrips: Bool { true }

    public let location: S3Location
    public let client: S3Client

    public init(_ location: S3Location, client: S3Client) {
        self.location = location
        self.client = client
    }

    /// The object key of store key `key`.
    public func objectKey(_ key: String) -> String {
        location.prefix.isEmpty ? key : key.isEmpty ? location.prefix : location.prefix + "/" + key
    }

    /// Checks that the bucket exists and the credentials may list it.
    /// - Throws: ``ZarrError/Code/storeNotFound`` for a missing bucket,
    ///   ``ZarrError/Code/permissionDenied`` for refused credentials.
    public func checkAccess() throws(ZarrError) {
        let response = try client.send("GET", bucket: location.bucket, key: "", query: [("list-type", "2"), ("max-keys", "1"), ("prefix", objectKey(""))])
        guard response.status == 200 else { throw S3Client.failure(response, "listing the bucket", key: location.description) }
    }

    public func get(_ key: String, range: ByteRange?) throws(ZarrError) -> [UInt8]? {
        var headers: [String: String] = [:]
        switch range {
        case nil: break
        case .bounded(let offset, let length):
            guard length > 0 else { return try exists(key) ? [] : nil }
            headers["range"] = "bytes=\(offset)-\(offset + length - 1)"
        case .from(let offset): headers["range"] = "bytes=\(offset)-"
        case .suffix(let length):
            guard length > 0 else { return try exists(key) ? [] : nil }
            headers["range"] = "bytes=-\(length)"
        }
        let response = try client.send("GET", bucket: location.bucket, key: objectKey(key), headers: headers)
        switch response.status {
        case 200, 206: return response.body
        case 404 where response.errorCode != "NoSuchBucket": return nil
        case 416: return try exists(key) ? [] : nil  // a range past the end of the object
        default: throw S3Client.failure(response, "reading", key: key)
        }
    }

    public func size(of key: String) throws(ZarrError) -> Int? {
        let response = try client.send("HEAD", bucket: location.bucket, key: objectKey(key))
        switch response.status {
        case 200: return response.headers["content-length"].flatMap { Int($0) }
        case 404: return nil
        default: throw S3Client.failure(response, "reading", key: key)
        }
    }

    public func set(_ key: String, _ bytes: [UInt8]) throws(ZarrError) {
        let response = try client.send("PUT", bucket: location.bucket, key: objectKey(key), body: bytes)
        guard response.status == 200 else { throw S3Client.failure(response, "writing", key: key) }
    }

    /// Writes `bytes` at `key` only if no object is there (`If-None-Match: *`); false when one
    /// is (412, or 409 from servers that report a concurrent conditional write so): the race lost.
    public func createIfAbsent(_ key: String, _ bytes: [UInt8]) throws(ZarrError) -> Bool {
        let response = try client.send("PUT", bucket: location.bucket, key: objectKey(key), headers: ["if-none-match": "*"], body: bytes)
        switch response.status {
        case 200: return true
        case 409, 412: return false
        default: throw S3Client.failure(response, "creating", key: key)
        }
    }

    /// The object at `key` and its ETag, or nil.
    public func getWithETag(_ key: String) throws(ZarrError) -> (bytes: [UInt8], etag: String)? {
        let response = try client.send("GET", bucket: location.bucket, key: objectKey(key))
        switch response.status {
        case 200: return (response.body, response.headers["etag"] ?? "")
        case 404 where response.errorCode != "NoSuchBucket": return nil
        default: throw S3Client.failure(response, "reading", key: key)
        }
    }

    /// An object with what the server says of it.
    public struct VersionedObject: Sendable {
        public let bytes: [UInt8]
        public let etag: String
        /// Seconds the object has existed unchanged, by the server's own clock (its `Date`
        /// header minus the object's `Last-Modified`, one-second resolution); nil when the
        /// server sent neither.
        public let ageSeconds: Double?
    }

    /// The object at `key` with its ETag and age by the server's clock, or nil.
    public func getVersioned(_ key: String) throws(ZarrError) -> VersionedObject? {
        let response = try client.send("GET", bucket: location.bucket, key: objectKey(key))
        switch response.status {
        case 200:
            let now = response.headers["date"].flatMap(HTTPDate.parse)
            let modified = response.headers["last-modified"].flatMap(HTTPDate.parse)
            let age = now.flatMap { now in modified.map { now - $0 } }
            return VersionedObject(bytes: response.body, etag: response.headers["etag"] ?? "", ageSeconds: age)
        case 404 where response.errorCode != "NoSuchBucket": return nil
        default: throw S3Client.failure(response, "reading", key: key)
        }
    }

    /// Replaces the object at `key` only if its ETag is still `etag` (compare-and-swap); false
    /// when it changed or vanished (412, 409, 404): the race lost.
    public func replace(_ key: String, _ bytes: [UInt8], ifMatch etag: String) throws(ZarrError) -> Bool {
        try replaceReturningETag(key, bytes, ifMatch: etag) != nil
    }

    /// ``replace(_:_:ifMatch:)`` giving the new ETag (empty when the server sent none); nil when the race was lost.
    public func replaceReturningETag(_ key: String, _ bytes: [UInt8], ifMatch etag: String) throws(ZarrError) -> String? {
        let response = try client.send("PUT", bucket: location.bucket, key: objectKey(key), headers: ["if-match": etag], body: bytes)
        switch response.status {
        case 200: return response.headers["etag"] ?? ""
        case 404, 409, 412: return nil
        default: throw S3Client.failure(response, "replacing", key: key)
        }
    }

    public func erase(_ key: String) throws(ZarrError) {
        let response = try client.send("DELETE", bucket: location.bucket, key: objectKey(key))
        guard response.status == 204 || response.status == 200 || response.status == 404 else {
            throw S3Client.failure(response, "deleting", key: key)
        }
    }

    public func erasePrefix(_ prefix: String) throws(ZarrError) {
        for key in try keys(below: prefix) { try erase(key) }
        try erase(prefix)
    }

    public func listDirectory(_ prefix: String) throws(ZarrError) -> [String] {
        let lead = prefix.isEmpty ? "" : prefix + "/"
        let objectLead = location.prefix.isEmpty ? lead : location.prefix + "/" + lead
        var names = Swift.Set<String>()
        try forEachListingPage(objectLead, delimiter: "/", key: prefix) { page in
            for key in XMLText.all("Key", in: page) where key.hasPrefix(objectLead) && key.count > objectLead.count {
                names.insert(String(key.dropFirst(objectLead.count)))
            }
            for common in XMLText.all("Prefix", in: page) where common.hasPrefix(objectLead) && common.count > objectLead.count {
                names.insert(String(common.dropFirst(objectLead.count).dropLast(common.hasSuffix("/") ? 1 : 0)))
            }
        }
        return names.sorted()
    }

    /// Every store key below `prefix` (recursively).
    public func keys(below prefix: String) throws(ZarrError) -> [String] {
        let objectLead = objectKey(prefix) + "/"
        var keys: [String] = []
        try forEachListingPage(objectLead, delimiter: nil, key: prefix) { page in
            for key in XMLText.all("Key", in: page) where key.hasPrefix(objectLead) {
                keys.append(String(key.dropFirst(location.prefix.isEmpty ? 0 : location.prefix.count + 1)))
            }
        }
        return keys
    }

    /// The most pages one listing follows (1,000 keys each: a billion keys).
    static let maximumListingPages = 1_000_000

    /// Calls `body` with each page of a ListObjectsV2 listing of `objectPrefix`, following
    /// continuation tokens.
    /// - Throws: ``ZarrError/Code/io`` when the server repeats a continuation token (a listing
    ///   that would never end) or sends more than ``maximumListingPages`` pages.
    private func forEachListingPage(_ objectPrefix: String, delimiter: String?, key: String, _ body: ([UInt8]) -> Void) throws(ZarrError) {
        var token: String?
        var seen = Swift.Set<String>()
        repeat {
            if let token {
                guard seen.insert(token).inserted, seen.count <= Self.maximumListingPages else {
                    throw ZarrError(.io, "the S3 server's listing does not end (it repeats a continuation token or exceeds \(Self.maximumListingPages) pages)", key: key)
                }
            }
            var query = [("list-type", "2"), ("prefix", objectPrefix)]
            if let delimiter { query.append(("delimiter", delimiter)) }
            if let token { query.append(("continuation-token", token)) }
            let response = try client.send("GET", bucket: location.bucket, key: "", query: query)
            guard response.status == 200 else { throw S3Client.failure(response, "listing", key: key) }
            body(response.body)
            token = XMLText.first("IsTruncated", in: response.body) == "true" ? XMLText.first("NextContinuationToken", in: response.body) : nil
        } while token != nil
    }
}
