/// A deliberately naive N-d array (one element at a time, no chunking) that array tests compare
/// our chunked implementation against.
struct ReferenceModel {
    var shape: [Int]
    var elements: [[UInt8]]  // one byte array per element, C order

    init(shape: [Int], fill: [UInt8]) {
        self.shape = shape
        elements = Array(repeating: fill, count: shape.reduce(1, *))
    }

    private func linear(_ index: [Int]) -> Int {
        zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }

    private static func indices(origin: [Int], shape: [Int]) -> [[Int]] {
        var result: [[Int]] = [[]]
        for d in 0..<shape.count {
            result = result.flatMap { prefix in (0..<shape[d]).map { prefix + [origin[d] + $0] } }
        }
        return shape.contains(0) ? [] : result
    }

    mutating func write(_ bytes: [UInt8], origin: [Int], shape region: [Int], elementSize: Int) {
        for (n, index) in Self.indices(origin: origin, shape: region).enumerated() {
            elements[linear(index)] = Array(bytes[n * elementSize..<(n + 1) * elementSize])
        }
    }

    func read(origin: [Int], shape region: [Int]) -> [UInt8] {
        Self.indices(origin: origin, shape: region).flatMap { elements[linear($0)] }
    }
}
