/// Copying hyper-rectangles between C-ordered N-d buffers of fixed-size elements.
///
/// The innermost dimension is copied as one `memcpy` per row; when both buffers are contiguous
/// in the trailing dimensions, those dimensions are folded into the row.
enum RegionCopy {
    /// Copies `extent` elements per dimension from `source` (shape `sourceShape`, starting at
    /// `sourceOrigin`) to `destination` (shape `destinationShape`, starting at `destinationOrigin`).
    static func copy(
        from source: UnsafeRawBufferPointer, shape sourceShape: [Int], origin sourceOrigin: [Int],
        to destination: UnsafeMutableRawBufferPointer, shape destinationShape: [Int], origin destinationOrigin: [Int],
        extent: [Int], elementSize: Int
    ) {
        let plan = Plan(extent: extent, shapes: [sourceShape, destinationShape], elementSize: elementSize)
        guard plan.rowBytes > 0 else { return }
        let sourceBase = plan.offset(of: sourceOrigin, in: 0)
        let destinationBase = plan.offset(of: destinationOrigin, in: 1)
        plan.forEachRow { offsets in
            (destination.baseAddress! + destinationBase + offsets[1]).copyMemory(
                from: source.baseAddress! + sourceBase + offsets[0], byteCount: plan.rowBytes)
        }
    }

    /// Sets every element of the region to `pattern` (one element's bytes).
    static func fill(
        _ destination: UnsafeMutableRawBufferPointer, shape: [Int], origin: [Int], extent: [Int], pattern: [UInt8]
    ) {
        let plan = Plan(extent: extent, shapes: [shape], elementSize: pattern.count)
        guard plan.rowBytes > 0 else { return }
        let base = plan.offset(of: origin, in: 0)
        if pattern.count == 1 {
            plan.forEachRow { offsets in
                (destination.baseAddress! + base + offsets[0]).initializeMemory(as: UInt8.self, repeating: pattern[0], count: plan.rowBytes)
            }
            return
        }
        var row: [UInt8] = []
        row.reserveCapacity(plan.rowBytes)
        while row.count < plan.rowBytes { row += pattern }
        row.withUnsafeBytes { rowBytes in
            plan.forEachRow { offsets in
                (destination.baseAddress! + base + offsets[0]).copyMemory(from: rowBytes.baseAddress!, byteCount: plan.rowBytes)
            }
        }
    }

    /// The row walk shared by copy and fill: byte strides per buffer, with contiguous trailing
    /// dimensions folded into one row.
    private struct Plan {
        let outer: [Int]          // extents of the dimensions walked one by one
        let strides: [[Int]]      // per buffer: byte stride of each dimension of the full shape
        let rowBytes: Int

        init(extent: [Int], shapes: [[Int]], elementSize: Int) {
            strides = shapes.map { shape in
                var s = Array(repeating: elementSize, count: shape.count)
                for d in stride(from: shape.count - 2, through: 0, by: -1) { s[d] = s[d + 1] * shape[d + 1] }
                return s
            }
            if extent.contains(0) {
                outer = []
                rowBytes = 0
                return
            }
            // Fold trailing dimensions that every buffer holds whole into the row.
            var firstRowDimension = extent.count
            var row = elementSize
            while firstRowDimension > 0 {
                let d = firstRowDimension - 1
                row *= extent[d]
                firstRowDimension = d
                if !shapes.allSatisfy({ $0[d] == extent[d] }) { break }
            }
            outer = Array(extent[0..<firstRowDimension])
            rowBytes = row
        }

        func offset(of origin: [Int], in buffer: Int) -> Int {
            zip(origin, strides[buffer]).reduce(0) { $0 + $1.0 * $1.1 }
        }

        func forEachRow(_ body: ([Int]) -> Void) {
            var index = Array(repeating: 0, count: outer.count)
            var offsets = Array(repeating: 0, count: strides.count)
            while true {
                body(offsets)
                // Odometer over the outer dimensions, updating byte offsets incrementally.
                var d = outer.count - 1
                while d >= 0 {
                    index[d] += 1
                    for b in 0..<strides.count { offsets[b] += strides[b][d] }
                    if index[d] < outer[d] { break }
                    for b in 0..<strides.count { offsets[b] -= strides[b][d] * index[d] }
                    index[d] = 0
                    d -= 1
                }
                if d < 0 { return }
            }
        }
    }
}
