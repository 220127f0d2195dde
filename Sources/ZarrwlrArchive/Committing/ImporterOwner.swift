#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CodecCore
import Foundation
import ZarrStore

/// Who runs an import, written beside a local staging folder and into an object-storage claim,
/// so that a later import, `gc` or `verify` can tell an importer that is gone from one still
/// running: `{"importer", "boot", "pid", "process_start", "host", "started"}`.
///
/// `importer` is a random identity of this process: a claim is recognised as this process's own
/// by it alone (never by host name: two Raspberry Pis may both be called `raspberrypi`). `boot`
/// is the kernel's boot id, random for every boot of every machine: only an importer of the
/// same boot can be judged by its process (pid and its start time, so a reused pid is not taken
/// for it). Any other is judged by the record's age against a lease, measured by whoever keeps
/// the record (the S3 server's clock for claims, the file's modification time for staging),
/// never by comparing this machine's clock with another's; a live importer renews its record
/// (``Heartbeat``) well within the lease.
enum ImporterOwner {
    /// This process's identity (random, fixed for its lifetime).
    static let identity = UUID().uuidString.lowercased()

    /// The kernel's id of the running boot (Linux); a random id per process elsewhere.
    static let bootID: String = {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? "process-" + identity : text
    }()

    /// This process as an owner record.
    static var current: JSONValue {
        var record: [String: JSONValue] = [
            "importer": .string(identity), "boot": .string(bootID), "pid": .int(Int64(getpid())), "host": .string(hostName),
            "started": .double(Date().timeIntervalSince1970),
        ]
        if let start = processStart(getpid()) { record["process_start"] = .int(start) }
        return .object(record)
    }

    /// Whether `owner` is this process.
    static func isThisProcess(_ owner: JSONValue) -> Bool {
        owner["importer"]?.stringValue == identity
    }

    /// Whether the importer `owner` names is gone: of this boot, when its process has ended
    /// (or the pid now runs another process); else when the record is older than `lease`
    /// seconds (`age`, by the clock of whoever keeps it; unknown age: not gone). nil when
    /// `owner` is not an owner record.
    static func isGone(_ owner: JSONValue, age: Double?, lease: Double) -> Bool? {
        guard owner["pid"]?.intValue != nil || owner["importer"]?.stringValue != nil else { return nil }
        if isThisProcess(owner) { return false }
        if owner["boot"]?.stringValue == bootID, let pid = owner["pid"]?.intValue, let process = pid_t(exactly: pid) {
            guard kill(process, 0) == 0 || errno != ESRCH else { return true }
            if let recorded = owner["process_start"]?.intValue, let running = processStart(process) { return recorded != running }
            return false
        }
        guard let age else { return false }
        return age > lease
    }

    /// When process `pid` started, in clock ticks since boot (`/proc/PID/stat` field 22); nil
    /// when unknown. Tells a process from a later one with the same pid.
    static func processStart(_ pid: pid_t) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces) start with field 3, the state.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? Int64(fields[19]) : nil
    }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Renews an importer's record while its import runs: `renew` is called every `interval`
/// seconds on a thread of its own (not the cooperative pool) until ``stop()``. A renewal that
/// fails (the record was taken over, or condemned by `gc`) is kept in ``lost`` and ends the renewals.
final class Heartbeat: Sendable {
    /// What the renewing thread and the owner share.
    private final class Shared: Sendable {
        let state = ForkSafeMutex<(stopped: Bool, lost: String?)>((false, nil))
        let wakeUp = NSCondition()
    }

    private let shared = Shared()

    init(interval: Double, renew: @escaping @Sendable () -> String?) {
        // Without the thread (the system's limit reached) the record is not renewed: an import
        // that outlives its lease may be taken for gone, and its commit then fails (a claim is
        // checked at the fence; a removed staging folder is not renamed), never lands half-done.
        _ = ThreadStart.detached { [shared] in
            while true {
                shared.wakeUp.lock()
                if !shared.state.withLock({ $0.stopped }) { _ = shared.wakeUp.wait(until: Date().addingTimeInterval(interval)) }
                shared.wakeUp.unlock()
                if shared.state.withLock({ $0.stopped || $0.lost != nil }) { return }
                if let problem = renew() {
                    shared.state.withLock { $0.lost = problem }
                    return
                }
            }
        }
    }

    /// Why a renewal failed; nil while every renewal succeeded.
    var lost: String? { shared.state.withLock { $0.lost } }

    /// Ends the renewals (the import committed or was given up).
    func stop() {
        shared.wakeUp.lock()
        shared.state.withLock { $0.stopped = true }
        shared.wakeUp.broadcast()
        shared.wakeUp.unlock()
    }

    deinit { stop() }
}
