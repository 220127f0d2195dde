import CodecCore
import Foundation

/// A condition on a layer's rows, as `extract --where` takes it: comparisons joined by `and`,
/// e.g. `label == "Turdus merula" and confidence >= 0.8`. Fields: `label`, `confidence`,
/// `recording`, `channel`, `low_hz`, `high_hz`, `duration` (seconds), `line`, or an extra column
/// of the table, written as is or in backquotes when it has spaces (`` `Species Code` == "amro" ``).
/// Operators: `==`, `!=`, `<`, `<=`, `>`, `>=`; values are "strings" or numbers. A row without
/// the field's value fails the comparison.
public struct RowFilter: Sendable {
    struct Comparison: Sendable {
        let field: String
        let op: String
        let text: String
        let number: Double?
    }

    private let comparisons: [Comparison]
    /// The extra columns of the rows filtered, in their order.
    private let extraColumns: [String]

    /// - Throws: ``CodecError/Code/invalidArgument`` saying where the expression goes wrong.
    public init(_ expression: String, extraColumns: [String]) throws(CodecError) {
        var tokens = try Self.tokens(of: expression)
        var comparisons: [Comparison] = []
        let known = ["label", "confidence", "recording", "channel", "low_hz", "high_hz", "duration", "line"]
        while !tokens.isEmpty {
            guard tokens.count >= 3, case .word(let field) = tokens[0], case .op(let op) = tokens[1] else {
                throw CodecError(.invalidArgument, "--where: expected 'field op value' (e.g. confidence >= 0.8) in '\(expression)'")
            }
            guard known.contains(field) || extraColumns.contains(field) else {
                throw CodecError(.invalidArgument, "--where: '\(field)' is not a field; fields: \((known + extraColumns).joined(separator: ", "))")
            }
            switch tokens[2] {
            case .string(let text): comparisons.append(Comparison(field: field, op: op, text: text, number: nil))
            case .word(let text) where Double(text) != nil: comparisons.append(Comparison(field: field, op: op, text: text, number: Double(text)))
            default: throw CodecError(.invalidArgument, "--where: the value after '\(field) \(op)' must be a number or a \"string\"")
            }
            tokens.removeFirst(3)
            if let next = tokens.first {
                guard case .word(let word) = next, word.lowercased() == "and", tokens.count > 1 else {
                    throw CodecError(.invalidArgument, "--where: comparisons are joined with 'and' in '\(expression)'")
                }
                tokens.removeFirst()
            }
        }
        guard !comparisons.isEmpty else { throw CodecError(.invalidArgument, "--where is empty") }
        self.comparisons = comparisons
        self.extraColumns = extraColumns
    }

    /// Whether `row` (whose recording has `sampleRate`) meets every comparison.
    public func accepts(_ row: AnnotationLayer.Row, sampleRate: Int) -> Bool {
        comparisons.allSatisfy { comparison in
            let value: String?
            switch comparison.field {
            case "label": value = row.label
            case "confidence": value = row.confidence.map { String($0) }
            case "recording": value = row.recording
            case "channel": value = row.channel.map(String.init)
            case "low_hz": value = row.lowHz.map { String($0) }
            case "high_hz": value = row.highHz.map { String($0) }
            case "duration": value = String(Double(row.samples.count) / Double(max(1, sampleRate)))
            case "line": value = String(row.line)
            default: value = extraColumns.firstIndex(of: comparison.field).flatMap { $0 < row.extra.count ? row.extra[$0] : nil }
            }
            guard let value, !value.isEmpty else { return false }
            if let wanted = comparison.number, let number = Double(value) {
                return Self.compare(number, comparison.op, wanted)
            }
            return Self.compare(value, comparison.op, comparison.text)
        }
    }

    private static func compare<T: Comparable>(_ a: T, _ op: String, _ b: T) -> Bool {
        switch op {
        case "==": a == b
        case "!=": a != b
        case "<": a < b
        case "<=": a <= b
        case ">": a > b
        default: a >= b
        }
    }

    private enum Token: Equatable {
        case word(String), string(String), op(String)
    }

    private static func tokens(of expression: String) throws(CodecError) -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(expression)
        while let first = rest.first {
            if first.isWhitespace { rest = rest.dropFirst(); continue }
            if first == "\"" || first == "`" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: first) else {
                    throw CodecError(.invalidArgument, "--where: a \(first) is not closed in '\(expression)'")
                }
                let text = String(body[..<close])
                tokens.append(first == "\"" ? .string(text) : .word(text))
                rest = body[body.index(after: close)...]
                continue
            }
            if "=!<>".contains(first) {
                let two = String(rest.prefix(2))
                let op = ["==", "!=", "<=", ">="].contains(two) ? two : String(first)
                guard ["==", "!=", "<=", ">=", "<", ">"].contains(op) else {
                    throw CodecError(.invalidArgument, "--where: '\(op)' is not an operator (==, !=, <, <=, >, >=)")
                }
                tokens.append(.op(op))
                rest = rest.dropFirst(op.count)
                continue
            }
            let word = rest.prefix { !$0.isWhitespace && !"=!<>\"`".contains($0) }
            tokens.append(.word(String(word)))
            rest = rest.dropFirst(word.count)
        }
        return tokens
    }
}
