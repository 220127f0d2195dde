/// Checked arithmetic on shapes and sizes read from metadata, which may be crafted: every
/// product and sum that could overflow is computed here and comes back nil when it does.
enum Shape {
    /// The product of `factors`; nil when one is negative or the product overflows.
    static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// The bytes of an array of `shape` with elements of `elementSize` bytes; nil on overflow.
    static func byteCount(_ shape: [Int], elementSize: Int) -> Int? {
        product(shape + [elementSize])
    }

    /// `a + b`, nil on overflow.
    static func sum(_ a: Int, _ b: Int) -> Int? {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : result
    }
}
