/// Candidates or frames an indexing phase left out, counted per typed reason.
public struct RejectionCounts<Reason: Hashable & Sendable & CustomStringConvertible>: Sendable, Equatable {
    public private(set) var counts: [Reason: Int] = [:]

    public init() {}

    /// Counts `count` more rejections for `reason`.
    public mutating func add(_ reason: Reason, count: Int = 1) {
        guard count > 0 else { return }
        counts[reason, default: 0] += count
    }

    /// Adds every count of `other`.
    public mutating func merge(_ other: RejectionCounts<Reason>) {
        counts.merge(other.counts, uniquingKeysWith: +)
    }

    public subscript(reason: Reason) -> Int { counts[reason] ?? 0 }

    /// All rejections, whatever the reason.
    public var total: Int { counts.values.reduce(0, +) }

    /// The counts keyed by each reason's description, for reports.
    public var described: [String: Int] {
        var result: [String: Int] = [:]
        for (reason, count) in counts { result[reason.description, default: 0] += count }
        return result
    }
}
