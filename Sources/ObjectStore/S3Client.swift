import Foundation
import ZarrStore

/// Where an S3 archive lives and how to reach it: `s3://BUCKET/PREFIX`, configured as every AWS
/// tool is (`AWS_ENDPOINT_URL`, `AWS_REGION` or us-east-1, `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). With an endpoint, requests are path-style
/// (`ENDPOINT/BUCKET/KEY`); without, virtual-hosted on AWS (`https://BUCKET.s3.REGION.amazonaws.com/KEY`).
public struct S3Location: Sendable, Equatable {
    public let bucket: String
    /// Key prefix without leading or trailing "/" ("" for the bucket root).
    public let prefix: String

    /// Parses `s3://BUCKET[/PREFIX]`; nil for anything else.
    public init?(_ url: String) {
        guard url.hasPrefix("s3://") else { return nil }
        let rest = url.dropFirst(5)
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bucket = parts.first, !bucket.isEmpty, bucket.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else { return nil }
        self.bucket = String(bucket)
        let prefix = parts.count > 1 ? String(parts[1]) : ""
        self.prefix = prefix.split(separator: "/").joined(separator: "/")
        guard !self.prefix.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return nil }
    }

    public var description: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/" + prefix) }
}

/// A minimal S3 client: signed GET (ranged), HEAD, PUT (conditional), DELETE and ListObjectsV2,
/// each idempotent and retried with backoff on 5xx, 429 and transport failures.
public final class S3Client: Sendable {
    public let endpoint: String?
    public let signer: SigV4Signer
    /// Attempts per request (the first included).
    public let attempts: Int
    public let timeoutSeconds: Int
    /// Requests sent, by method (retries included): for benchmarks and tests.
    public let requestCounts = ForkSafeMutex<[String: Int]>([:])

    /// A client configured from `environment` (the process's by default).
    /// - Throws: ``ZarrError/Code/permissionDenied`` when no credentials are set,
    ///   ``ZarrError/Code/invalidConfiguration`` for an endpoint that is not an http(s) server's address.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, attempts: Int = 5, timeoutSeconds: Int = 60) throws(ZarrError) {
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw ZarrError(.permissionDenied, "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        endpoint = try Self.configuredEndpoint(environment)
        signer = SigV4Signer(
            accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
            region: try Self.configuredRegion(environment))
        self.attempts = max(1, attempts)
        self.timeoutSeconds = timeoutSeconds
    }

    /// The endpoint `environment` configures (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`) as
    /// the base of request URLs; nil for AWS itself.
    /// - Throws: ``ZarrError/Code/invalidConfiguration`` for one that is not an http(s) server's address.
    public static func configuredEndpoint(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ZarrError) -> String? {
        let variable = environment["AWS_ENDPOINT_URL_S3"] != nil ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL"
        return try environment[variable].flatMap { (text) throws(ZarrError) in try endpoint(text, from: variable) }
    }

    /// The region `environment` configures (`AWS_REGION`, else `AWS_DEFAULT_REGION`, else
    /// us-east-1): letters, digits, `-` and `_`, as every S3 service names them. Without an
    /// endpoint it becomes part of the host name, so anything else could send requests elsewhere.
    /// - Throws: ``ZarrError/Code/invalidConfiguration`` naming the variable and the value.
    public static func configuredRegion(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ZarrError) -> String {
        let variable = environment["AWS_REGION"].map { _ in "AWS_REGION" } ?? environment["AWS_DEFAULT_REGION"].map { _ in "AWS_DEFAULT_REGION" }
        guard let variable, let region = environment[variable], !region.isEmpty else { return "us-east-1" }
        guard region.count <= 64, region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ZarrError(.invalidConfiguration, "\(variable) is '\(region)': a region is letters, digits, - and _ (for example us-east-1)")
        }
        return region
    }

    /// `text` as the base of request URLs (nil when empty: AWS itself): `http://` or `https://`
    /// and a host with an optional port, nothing else. Anything else is refused rather than
    /// handed to libcurl, which would take `file://` for local files and guess a scheme that is
    /// missing, and would send an endpoint's path, user or query unsigned.
    /// - Throws: ``ZarrError/Code/invalidConfiguration`` naming `variable` and the value.
    static func endpoint(_ text: String, from variable: String) throws(ZarrError) -> String? {
        var base = Substring(text)
        while base.hasSuffix("/") { base = base.dropLast() }
        guard !base.isEmpty else { return nil }
        let lowered = base.lowercased()
        let scheme = lowered.hasPrefix("https://") ? "https://" : lowered.hasPrefix("http://") ? "http://" : nil
        let authority = scheme.map { base.dropFirst($0.count) } ?? ""
        guard scheme != nil, !authority.contains(where: { "/?#@ \\".contains($0) || $0.isWhitespace || !$0.isASCII }), hasHostAndPort(authority) else {
            throw ZarrError(
                .invalidConfiguration,
                "\(variable) is '\(text)': an S3 endpoint is http://HOST[:PORT] or https://HOST[:PORT] (no path, user or query), for example http://127.0.0.1:8333")
        }
        return String(base)
    }

    /// Whether `authority` is a host (a name, IPv4 address or bracketed IPv6 address) and an
    /// optional port from 1 to 65535.
    private static func hasHostAndPort(_ authority: Substring) -> Bool {
        let hostEnd = authority.hasPrefix("[") ? authority.firstIndex(of: "]").map { authority.index(after: $0) } : authority.firstIndex(of: ":") ?? authority.endIndex
        guard let hostEnd, hostEnd > authority.startIndex else { return false }
        let host = authority[..<hostEnd], rest = authority[hostEnd...]
        guard host.hasPrefix("[") || !host.contains(":") else { return false }
        guard !rest.isEmpty else { return true }
        guard rest.first == ":", let port = Int(rest.dropFirst()), rest.dropFirst().allSatisfy(\.isNumber) else { return false }
        return (1...65_535).contains(port)
    }

    /// An HTTP response of S3.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]

        /// S3's error code from an XML error body ("NoSuchBucket", "PreconditionFailed", ...).
        public var errorCode: String? { XMLText.first("Code", in: body) }
    }

    /// Sends one request (retried when the failure is transient) and returns S3's answer.
    public func send(
        _ method: String, bucket: String, key: String, query: [(String, String)] = [], headers: [String: String] = [:], body: [UInt8]? = nil
    ) throws(ZarrError) -> Response {
        let (host, path, base) = address(bucket: bucket, key: key)
        let queryText = query.isEmpty ? "" : "?" + SigV4Signer.canonicalQuery(query)
        let payloadHash = body.map(SigV4Signer.payloadHash) ?? SigV4Signer.emptyPayloadHash
        var lastProblem = ""
        var tried = 0
        for attempt in 0..<attempts {
            tried = attempt + 1
            if attempt > 0 { Thread.sleep(forTimeInterval: min(2.0, 0.05 * pow(2, Double(attempt - 1))) * Double.random(in: 0.5...1.5)) }
            var given = headers
            given["host"] = host
            given["x-amz-content-sha256"] = payloadHash
            let signed = signer.sign(method: method, path: path, query: query, headers: given, payloadHash: payloadHash, date: Date())
            let sent = signed.filter { $0.key != "host" }
            requestCounts.withLock { $0[method, default: 0] += 1 }
            do {
                let response = try CurlExchange.perform(method: method, url: base + SigV4Signer.canonicalURI(path) + queryText, headers: sent, body: body, timeoutSeconds: timeoutSeconds)
                if response.status >= 500 || response.status == 429 {
                    lastProblem = "HTTP \(response.status)"
                    continue
                }
                return Response(status: response.status, headers: response.headers, body: response.body)
            } catch {
                lastProblem = error.message
                if !error.isTransient { break }
            }
        }
        throw ZarrError(.io, "S3 \(method) \(key.isEmpty ? bucket : key) failed after \(tried) attempt\(tried == 1 ? "" : "s"): \(lastProblem)", key: key)
    }

    /// The host header, the path to sign and the URL base for a key.
    private func address(bucket: String, key: String) -> (host: String, path: String, base: String) {
        if let endpoint {
            let host = endpoint.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? endpoint
            return (host, "/" + bucket + (key.isEmpty ? "" : "/" + key), endpoint)
        }
        let host = "\(bucket).s3.\(signer.region).amazonaws.com"
        return (host, "/" + key, "https://" + host)
    }

    /// Turns a refusal into the right store error: permission (403), missing bucket, other.
    public static func failure(_ response: Response, _ what: String, key: String) -> ZarrError {
        let code = response.errorCode ?? "HTTP \(response.status)"
        switch (response.status, code) {
        case (403, _): return ZarrError(.permissionDenied, "S3 refused \(what) (\(code)): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", key: key)
        case (_, "NoSuchBucket"): return ZarrError(.storeNotFound, "the S3 bucket does not exist (\(code))", key: key)
        default: return ZarrError(.io, "S3 refused \(what): \(code)", key: key)
        }
    }
}

/// Text of simple XML elements in S3's answers (ListObjectsV2, errors): no attributes, entities decoded.
enum XMLText {
    static func all(_ tag: String, in body: [UInt8]) -> [String] {
        let text = String(decoding: body, as: UTF8.self)
        var found: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(tag)>"), let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) {
            found.append(decode(String(rest[open.upperBound..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func first(_ tag: String, in body: [UInt8]) -> String? { all(tag, in: body).first }

    static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
