/// A byte range of a stored value, as the Zarr v3 store API defines it.
public enum ByteRange: Sendable, Hashable {
    /// `length` bytes starting at `offset`; fewer if the value ends first.
    case bounded(offset: Int, length: Int)
    /// Everything from `offset` to the end.
    case from(offset: Int)
    /// The last `length` bytes (the whole value if it is shorter).
    case suffix(length: Int)

    /// The absolute byte positions this range selects in a value of `totalLength` bytes.
    public func resolved(totalLength: Int) -> Range<Int> {
        switch self {
        case .bounded(let offset, let length):
            let start = min(max(offset, 0), totalLength)
            return start..<min(start + max(length, 0), totalLength)
        case .from(let offset):
            return min(max(offset, 0), totalLength)..<totalLength
        case .suffix(let length):
            return max(totalLength - max(length, 0), 0)..<totalLength
        }
    }
}
