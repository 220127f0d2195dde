/// Lookups in the ascending start positions of an index (frames, pages).
public enum SortedPositions {
    /// The index of the last element of `starts` (ascending) that is at most `value`; 0 when
    /// none is (the caller then checks the range against the first start).
    public static func lastIndex(in starts: [Int64], atOrBefore value: Int64) -> Int {
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = low + (high - low + 1) / 2
            if starts[mid] <= value { low = mid } else { high = mid - 1 }
        }
        return max(low, 0)
    }
}
