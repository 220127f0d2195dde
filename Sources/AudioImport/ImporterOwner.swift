#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ZarrStore

/// Who runs an import (`{"pid", "host", "started"}`), written beside a local staging folder and
/// into an object-storage claim, so that a later import, `gc` or `verify` can tell an importer
/// that is gone from one still running.
enum ImporterOwner {
    /// This process as an owner record.
    static var current: JSONValue {
        ["pid": .int(Int64(getpid())), "host": .string(hostName), "started": .double(Date().timeIntervalSince1970)]
    }

    /// Whether the importer `owner` names is gone: on this host, when its process has ended; on
    /// another, when it started more than `staleAfter` seconds ago. nil when `owner` is not an
    /// owner record.
    static func isGone(_ owner: JSONValue, staleAfter: Double, now: Double = Date().timeIntervalSince1970) -> Bool? {
        guard let pid = owner["pid"]?.intValue, let host = owner["host"]?.stringValue, let started = owner["started"]?.doubleValue else {
            return nil
        }
        if host == hostName {
            return kill(pid_t(clamping: pid), 0) != 0 && errno == ESRCH
        }
        return now - started > staleAfter
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
