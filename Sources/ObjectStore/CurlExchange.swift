internal import CCurl
import Foundation
import ZarrStore

/// One HTTP exchange through libcurl, synchronous: the store protocols are synchronous, like
/// the codec libraries' read callbacks they serve.
///
/// Easy handles are pooled (reset between uses, which keeps their open connections), so that
/// requests reuse connections; a handle is used by one exchange at a time, taken from the pool
/// under its lock and given back after. The pool belongs to one process: a forked child (a data
/// loader's worker) starts with an empty one, because its parent's connections are its parent's.
/// The header list is freed when done. libcurl's callbacks get a `ResponseBuffer` unretained as
/// their context: it is kept alive across `curl_easy_perform`, the only time they run.
enum CurlExchange {
    struct Response: Sendable {
        let status: Int
        /// Header names in lower case.
        let headers: [String: String]
        let body: [UInt8]
    }

    /// A failure below HTTP (connection refused or reset, timeout, name resolution).
    struct TransportFailure: Error, Sendable {
        let code: Int
        let message: String
        /// Worth retrying (timeouts, resets, refused connections).
        let isTransient: Bool
    }

    private final class ResponseBuffer {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        /// The most body bytes taken; more aborts the transfer (a server that sends without end).
        var limit = CurlExchange.maximumBodyBytes
        var overflowed = false
        /// Whether a stated Content-Length sizes the body up front (not for HEAD, whose length is the object's).
        var expectsBody = true
    }

    /// The largest response body accepted (a shard of audio or a listing page is far smaller).
    static let maximumBodyBytes = 1 << 30

    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    /// An idle easy handle. Sendable because it moves between threads only through the pool's
    /// lock and is used by one exchange at a time: whoever takes it from the pool owns it until
    /// it gives it back.
    private struct IdleHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// Idle easy handles, each with its connection cache, and the process that opened them.
    private struct Pool {
        var process: pid_t = getpid()
        var handles: [IdleHandle] = []

        /// In a process forked after the handles were opened: forgets them. Their sockets are
        /// the parent's too, and a child that sent requests on them would read answers to the
        /// parent's requests and the parent the child's (another recording's metadata, another
        /// range's bytes). They are abandoned, not cleaned up, because cleanup would also end a
        /// TLS session the parent goes on using (its close_notify goes out on the shared socket).
        mutating func forgetIfInherited(in current: pid_t) {
            guard process != current else { return }
            process = current
            handles = []
        }
    }

    private static let pool = ForkSafeMutex(heldAcrossFork: Pool())
    /// More than the requests the library keeps in flight at once (a batch read's 64 workers,
    /// upload threads): a handle given back beyond it is closed with its connection, and the
    /// next request pays a new one (with 32, 64 workers reading through 20 ms per answer made
    /// 92 reads/s; with 128, 421/s: docs/BENCHMARKS.md).
    private static let poolLimit = 128

    private static func takeHandle() -> UnsafeMutableRawPointer? {
        let current = getpid()
        let idle = pool.withLock { pool -> IdleHandle? in
            pool.forgetIfInherited(in: current)
            return pool.handles.popLast()
        }
        return idle?.pointer ?? curl_easy_init()
    }

    private static func giveBack(_ handle: UnsafeMutableRawPointer) {
        curl_easy_reset(handle)
        let idle = IdleHandle(pointer: handle), current = getpid()
        let kept = pool.withLock { pool in
            pool.forgetIfInherited(in: current)
            guard pool.handles.count < poolLimit else { return false }
            pool.handles.append(idle)
            return true
        }
        if !kept { curl_easy_cleanup(handle) }
    }

    static func perform(method: String, url: String, headers: [String: String], body: [UInt8]?, timeoutSeconds: Int) throws(TransportFailure) -> Response {
        guard initialised, let handle = takeHandle() else {
            throw TransportFailure(code: -1, message: "libcurl cannot be initialised", isTransient: false)
        }
        defer { giveBack(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        // No "Expect: 100-continue" pause before bodies; no default content type.
        for line in headers.map({ "\($0.key): \($0.value)" }) + ["Expect:", "Content-Type:"] {
            list = curl_slist_append(list, line)
        }
        defer { curl_slist_free_all(list) }
        let buffer = ResponseBuffer()
        buffer.expectsBody = method != "HEAD"
        let context = Unmanaged.passUnretained(buffer).toOpaque()
        let code: CURLcode = withExtendedLifetime(buffer) {
            url.withCString { urlText in
                method.withCString { methodText in
                    (body ?? []).withUnsafeBytes { payload in
                        _ = zw_curl_set_pointer(handle, CURLOPT_URL, urlText)
                        // Never another protocol (file://, ftp://), whatever the URL says.
                        _ = zw_curl_set_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                        _ = zw_curl_set_pointer(handle, CURLOPT_HTTPHEADER, list)
                        _ = zw_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                        // Keys with "." or ".." segments are sent as they are, never squashed into another key.
                        _ = zw_curl_set_long(handle, CURLOPT_PATH_AS_IS, 1)
                        _ = zw_curl_set_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
                        _ = zw_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, min(timeoutSeconds, 10))
                        _ = zw_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, collectBody)
                        _ = zw_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
                        _ = zw_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, collectHeader)
                        _ = zw_curl_set_pointer(handle, CURLOPT_HEADERDATA, context)
                        switch method {
                        case "GET": _ = zw_curl_set_long(handle, CURLOPT_HTTPGET, 1)
                        case "HEAD": _ = zw_curl_set_long(handle, CURLOPT_NOBODY, 1)
                        default: _ = zw_curl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, methodText)
                        }
                        if body != nil {
                            _ = zw_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count))
                            // A zero-length body still needs a valid pointer.
                            _ = zw_curl_set_pointer(handle, CURLOPT_POSTFIELDS, payload.baseAddress ?? UnsafeRawPointer(methodText))
                        }
                        return curl_easy_perform(handle)
                    }
                }
            }
        }
        if buffer.overflowed {
            throw TransportFailure(code: Int(CURLE_WRITE_ERROR.rawValue), message: "the response body exceeds \(maximumBodyBytes) bytes", isTransient: false)
        }
        guard code == CURLE_OK else {
            let transient: Set<CURLcode> = [CURLE_OPERATION_TIMEDOUT, CURLE_COULDNT_CONNECT, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE]
            throw TransportFailure(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)), isTransient: transient.contains(code))
        }
        var status = 0
        _ = zw_curl_response_code(handle, &status)
        return Response(status: status, headers: buffer.headers, body: buffer.body)
    }

    private static let collectBody: zw_curl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let buffer = Unmanaged<ResponseBuffer>.fromOpaque(context).takeUnretainedValue()
        let bytes = size * count
        guard buffer.body.count + bytes <= buffer.limit else {
            buffer.overflowed = true
            return 0  // libcurl ends the transfer with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: bytes) { buffer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: bytes)) }
        return bytes
    }

    private static let collectHeader: zw_curl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let buffer = Unmanaged<ResponseBuffer>.fromOpaque(context).takeUnretainedValue()
        let bytes = size * count
        let line = data.withMemoryRebound(to: UInt8.self, capacity: bytes) { String(decoding: UnsafeBufferPointer(start: $0, count: bytes), as: UTF8.self) }
        if line.hasPrefix("HTTP/") { buffer.headers = [:] }  // a new response (after a redirect or 100)
        if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            buffer.headers[name] = value
            // The body's room taken once, not regrown (and copied) as it arrives.
            // At most 64 MiB up front, whatever a server states; a longer body grows as it comes.
            if buffer.expectsBody, name == "content-length", let length = Int(value), length > 0 {
                buffer.body.reserveCapacity(min(length, 1 << 26))
            }
        }
        return bytes
    }
}
