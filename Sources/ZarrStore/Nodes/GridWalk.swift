/// Walks over chunk grids in C order and intersects chunks with regions.
enum GridWalk {
    /// Calls `body` with the linear index and coordinates of every cell of a grid of `shape`.
    static func forEach<E: Error>(_ shape: [Int], _ body: (Int, [Int]) throws(E) -> Void) throws(E) {
        var linear = 0
        try forEach(from: shape.map { _ in 0 }, through: shape.map { $0 - 1 }) { (coordinates) throws(E) in
            try body(linear, coordinates)
            linear += 1
        }
    }

    /// Calls `body` with every coordinate tuple in the box `first...last` (inclusive), C order.
    /// An empty box (any `last < first`) calls nothing; a 0-d box calls once with `[]`.
    static func forEach<E: Error>(from first: [Int], through last: [Int], _ body: ([Int]) throws(E) -> Void) throws(E) {
        guard zip(first, last).allSatisfy({ $0 <= $1 }) else { return }
        var coordinates = first
        while true {
            try body(coordinates)
            var d = coordinates.count - 1
            while d >= 0 {
                coordinates[d] += 1
                if coordinates[d] <= last[d] { break }
                coordinates[d] = first[d]
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// The C-order linear index of `coordinates` in a grid of `shape`.
    static func linearIndex(_ coordinates: [Int], in shape: [Int]) -> Int {
        zip(coordinates, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }

    /// The overlap of a chunk and a region: where it starts inside the chunk, its extent, and
    /// where it starts in a target buffer whose `targetOrigin` corresponds to `regionOrigin`.
    static func intersection(
        chunkOrigin: [Int], chunkShape: [Int], regionOrigin: [Int], extent: [Int], targetOrigin: [Int]
    ) -> (sourceOrigin: [Int], extent: [Int], targetOrigin: [Int]) {
        var source: [Int] = [], overlap: [Int] = [], destination: [Int] = []
        for d in chunkOrigin.indices {
            let lo = max(chunkOrigin[d], regionOrigin[d])
            let hi = min(chunkOrigin[d] + chunkShape[d], regionOrigin[d] + extent[d])
            source.append(lo - chunkOrigin[d])
            overlap.append(max(hi - lo, 0))
            destination.append(targetOrigin[d] + lo - regionOrigin[d])
        }
        return (source, overlap, destination)
    }
}
