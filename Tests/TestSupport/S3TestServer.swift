import Foundation

/// The S3 server the tests use: the one `scripts/s3-server start` runs (SeaweedFS on loopback),
/// named by the environment `scripts/test` exports. Tests that need it fail, not skip, without it.
public enum S3TestServer {
    /// The environment for S3 clients, or nil when no test server is configured.
    public static var environment: [String: String]? {
        let env = ProcessInfo.processInfo.environment
        guard env["AWS_ENDPOINT_URL"] != nil, env["AWS_ACCESS_KEY_ID"] != nil, env["ZARRWLR_S3_BUCKET"] != nil else { return nil }
        return env
    }

    /// The test bucket.
    public static var bucket: String { ProcessInfo.processInfo.environment["ZARRWLR_S3_BUCKET"] ?? "zarrwlr-test" }

    /// A fresh prefix in the test bucket for one test: `s3://BUCKET/tests/<uuid>`.
    public static func freshLocation() -> String {
        "s3://\(bucket)/tests/\(UUID().uuidString.lowercased())"
    }

    public static let missing = "no S3 test server: run the tests through ./scripts/test (it starts SeaweedFS), or `eval \"$(scripts/s3-server env)\"` after `scripts/s3-server start`"
}
