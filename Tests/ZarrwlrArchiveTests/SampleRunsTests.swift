import Testing
import CodecCore

/// A range cut into runs: consecutive, none longer than the run length, together the range.
struct SampleRunsTests {
    @Test(arguments: [(0..<0, 4), (5..<6, 4), (3..<11, 4), (3..<12, 4), (0..<9, 1), (-7..<2, 3), (Int64.max - 5..<Int64.max, 4), (0..<3, 0)] as [(Range<Int64>, Int64)])
    func runsCoverTheRangeInOrder(range: Range<Int64>, length: Int64) {
        let runs = Array(SampleRuns(range, length: length))
        #expect(runs.allSatisfy { !$0.isEmpty && $0.count <= max(1, length) })
        #expect(runs.first?.lowerBound ?? range.lowerBound == range.lowerBound)
        #expect(runs.last?.upperBound ?? range.upperBound == range.upperBound)
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(runs.dropLast().allSatisfy { $0.count == max(1, length) })
        #expect(runs.isEmpty == range.isEmpty)
    }
}
