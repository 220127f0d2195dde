/// Sees the samples that readers of an import's source hand to the codec, in order, so that
/// the caller can check something against the source in the same pass instead of decoding it
/// again (the archive checks that the samples written back into the file's container give the
/// file). Set on an ``ImportSource``; every reader that ``ImportSource`` makes reports to it.
public protocol PCMObserver: AnyObject, Sendable {
    /// The next `samples` (interleaved native integers) that the reader `reader` handed out.
    func observe(integers samples: UnsafeBufferPointer<Int32>, from reader: ObjectIdentifier)
    /// The next `samples` (interleaved floats) that the reader `reader` handed out.
    func observe(floats samples: UnsafeBufferPointer<Float>, from reader: ObjectIdentifier)
}
