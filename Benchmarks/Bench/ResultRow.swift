import ZarrStore

/// The timings of one layout read by one implementation, and their summaries.
struct ResultRow {
    let layout: String
    let implementation: String
    let micros: [Double]
    let bytes: Int

    func percentile(_ p: Double) -> Double { micros.percentile(p) }

    var median: Double { micros.median }
    var gigabytesPerSecond: Double { Double(bytes) / median / 1e3 }

    static func table(_ rows: [ResultRow], sizeMiB: Int, reads: Int) -> String {
        var lines = [
            "Byte-range reads of \(rows.first.map { $0.bytes >> 10 } ?? 0) KiB from a \(sizeMiB) MiB uint8 array, \(reads) random offsets, warm page cache",
            "",
            "| layout | implementation | median µs | p90 µs | GB/s at median | median vs zarrwlr |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for row in rows {
            let ours = rows.first { $0.layout == row.layout && $0.implementation == "zarrwlr" }
            let ratio = ours.map { row.median / $0.median } ?? .nan
            lines.append("| \(row.layout) | \(row.implementation) | \(format(row.median)) | \(format(row.percentile(0.9))) | \(format(row.gigabytesPerSecond, digits: 2)) | \(format(ratio, digits: 2))x |")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [ResultRow], sizeMiB: Int, reads: Int, readBytes: Int) -> JSONValue {
        [
            "benchmark": "byte-range-read", "array_mib": .int(Int64(sizeMiB)), "reads": .int(Int64(reads)),
            "read_bytes": .int(Int64(readBytes)),
            "results": .array(rows.map { row in
                [
                    "layout": .string(row.layout), "implementation": .string(row.implementation),
                    "median_us": .double(row.median), "p90_us": .double(row.percentile(0.9)),
                    "gb_per_s": .double(row.gigabytesPerSecond),
                ]
            }),
        ]
    }

    static func format(_ value: Double, digits: Int = 0) -> String {
        guard value.isFinite else { return "-" }
        guard value >= 0 || (value * pow10(digits)).rounded() == 0 else { return "-" + format(-value, digits: digits) }
        var text = String(Int((abs(value) * pow10(digits)).rounded()))
        guard digits > 0 else { return text }
        while text.count <= digits { text = "0" + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
        return text
    }

    private static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }
}
