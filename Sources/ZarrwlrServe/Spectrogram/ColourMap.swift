/// Colour maps for spectrograms: a value 0...1 to RGB.
public enum ColourMap: String, Sendable, CaseIterable {
    case viridis, magma, grey

    /// Stops of the map, evenly spaced (viridis and magma: matplotlib's at 0, 1/4, ..., 1).
    private var stops: [(Double, Double, Double)] {
        switch self {
        case .viridis: [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        case .magma: [(0, 0, 4), (81, 18, 124), (183, 55, 121), (252, 137, 97), (252, 253, 191)]
        case .grey: [(0, 0, 0), (255, 255, 255)]
        }
    }

    func rgb(_ value: Double) -> (UInt8, UInt8, UInt8) {
        let stops = self.stops
        let x = min(1, max(0, value.isNaN ? 0 : value)) * Double(stops.count - 1)
        let k = min(stops.count - 2, Int(x))
        let t = x - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        func mix(_ p: Double, _ q: Double) -> UInt8 { UInt8(max(0, min(255, (p + (q - p) * t).rounded()))) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
