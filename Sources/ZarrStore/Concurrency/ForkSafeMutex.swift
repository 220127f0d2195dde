#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a lock, used as `Synchronization.Mutex` is, that stays correct in a process
/// forked from one that used it: every lock of the package is one of these.
///
/// Why not `Mutex`: on Linux it is a priority-inheritance futex whose word holds its owner's
/// thread id, and Swift caches that id in a thread-local the first time a thread locks. A
/// forked child's first thread (the one that called `fork`, the only one a fork copies) keeps
/// its parent's cached id, so once another thread of the child waits for a lock that thread
/// holds, the kernel finds the owner in the wrong process and `Mutex` stops the process
/// ("Unknown error occurred while attempting to acquire a Mutex", SIGILL): a data loader's
/// forked worker reading with several threads died so. glibc's mutex keeps no stale id (the
/// child's thread ids are renewed by `fork`), so this lock works there.
///
/// `@unchecked Sendable` is safe because `value` is reached only inside ``withLock(_:)``,
/// between locking and unlocking `mutex`, which is allocated, initialised and destroyed with
/// the box and never moves (a `pthread_mutex_t` must not be copied).
public final class ForkSafeMutex<Value: ~Copyable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value
    /// Whether every fork holds this lock (``init(heldAcrossFork:)``).
    private let heldAcrossFork: Bool

    /// A lock around `initialValue`.
    public convenience init(_ initialValue: consuming sending Value) {
        self.init(initialValue, heldAcrossFork: false)
    }

    /// A lock that a process forked from this one goes on using (the C ABI's handle table, the
    /// pool of connections: `static let`s): every `fork` also holds it, taken in the forking
    /// thread before and let go after in parent and child, so that a child never finds it held
    /// by a thread that the fork did not copy, which would hang the child at its first use. Its
    /// critical sections must be short and must not make another such lock.
    public convenience init(heldAcrossFork initialValue: consuming sending Value) {
        self.init(initialValue, heldAcrossFork: true)
    }

    private init(_ initialValue: consuming sending Value, heldAcrossFork: Bool) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        value = initialValue
        self.heldAcrossFork = heldAcrossFork
        if heldAcrossFork { ForkHeldLocks.register(mutex) }
    }

    deinit {
        if heldAcrossFork { ForkHeldLocks.unregister(mutex) }
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock (not reentrant: `body` must not lock
    /// the same mutex again).
    public func withLock<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// The locks every `fork` holds (``ForkSafeMutex/init(heldAcrossFork:)``), through
/// `pthread_atfork` handlers installed with the first one: the registry of their mutexes is
/// itself a ``ForkSafeMutex`` of their addresses (plain numbers, which may cross threads), locked
/// from before a fork to after it, so that no lock joins or leaves it meanwhile (a lock leaves it
/// before its mutex is destroyed).
private enum ForkHeldLocks {
    static let registry: ForkSafeMutex<[UInt]> = {
        let registry = ForkSafeMutex<[UInt]>([])
        pthread_atfork({ ForkHeldLocks.registry.holdAll() }, { ForkHeldLocks.registry.releaseAll() }, { ForkHeldLocks.registry.releaseAll() })
        return registry
    }()

    static func register(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        let address = UInt(bitPattern: mutex)
        registry.withLock { $0.append(address) }
    }

    static func unregister(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        let address = UInt(bitPattern: mutex)
        registry.withLock { $0.removeAll { $0 == address } }
    }
}

extension ForkSafeMutex where Value == [UInt] {
    /// Before a fork (the registry of ``ForkHeldLocks``): waits until no other thread holds the
    /// registry or any mutex it lists, and holds them all.
    fileprivate func holdAll() {
        pthread_mutex_lock(mutex)
        for address in value {
            if let listed = UnsafeMutablePointer<pthread_mutex_t>(bitPattern: address) { pthread_mutex_lock(listed) }
        }
    }

    /// After a fork, in parent and child alike (in the child, the forking thread is the owner).
    fileprivate func releaseAll() {
        for address in value.reversed() {
            if let listed = UnsafeMutablePointer<pthread_mutex_t>(bitPattern: address) { pthread_mutex_unlock(listed) }
        }
        pthread_mutex_unlock(mutex)
    }
}
