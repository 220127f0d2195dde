#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts threads of their own and says whether the system made them. Foundation's
/// `Thread.start()` does not: a thread the system refuses (its limit on threads or processes
/// reached, `EAGAIN`: `ulimit -u`, a container's pids limit) never ran its work, and whoever
/// waited for that work waited forever.
public enum ThreadStart {
    /// The stack of a thread: as large as a main thread's, for the C libraries' buffers.
    public static let stackBytes = 8 << 20

    /// A way to start a thread: ``detached(_:)``, or a stand-in in tests.
    public typealias Starter = @Sendable (_ body: @escaping @Sendable () -> Void) -> Bool

    /// Runs `body` on a new detached thread; false, with `body` not run, when the system makes none.
    public static func detached(_ body: @escaping @Sendable () -> Void) -> Bool {
        var attributes = pthread_attr_t()
        guard pthread_attr_init(&attributes) == 0 else { return false }
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, stackBytes)
        // Safe: the closure crosses into the thread as one retained box, whose retain the new
        // thread takes back exactly once; a thread that was not made never saw it, and the retain
        // is given back here instead.
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        guard status == 0 else {
            box.release()
            return false
        }
        return true
    }

    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
