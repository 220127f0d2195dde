import CodecCore

/// How a table's bytes become text. A table that is valid UTF-8 (with or without a byte-order
/// mark) is read as UTF-8. One that is not was written in the Western European encoding of
/// Windows (Windows-1252, a superset of Latin-1), as Raven Pro and Excel's "Text (Tab delimited)"
/// write on Windows: it is read as such, so `Mönchsgrasmücke` keeps its letters instead of
/// becoming `M�nchsgrasm�cke`. UTF-16 (Excel's "Unicode Text") is refused by name.
public enum TableTextEncoding: String, Sendable {
    case utf8 = "UTF-8"
    case windows1252 = "Windows-1252"

    /// The encoding of the table file at `path` (one pass over it, a piece at a time); `table`
    /// names it in errors.
    /// - Throws: ``CodecError/Code/unrecognized`` for UTF-16 text.
    static func of(file path: String, table: String) throws(CodecError) -> TableTextEncoding {
        var validator = UTF8Validator()
        var start: [UInt8] = []
        try SourceFile.forEachPiece(path) { piece in
            if start.count < 2 { start += piece.prefix(2 - start.count) }
            validator.add(piece)
        }
        if start == [0xFF, 0xFE] || start == [0xFE, 0xFF] {
            throw CodecError(.unrecognized, "the table is UTF-16 text (Excel's \"Unicode Text\"): save it as UTF-8 (\"CSV UTF-8\") or as tab-separated text", file: table)
        }
        return validator.isValidAndComplete ? .utf8 : .windows1252
    }

    /// `bytes` (a line, or a UTF-8 byte-order mark and a line) as text.
    func text(_ bytes: [UInt8]) -> String {
        let line = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        switch self {
        case .utf8:
            return String(decoding: line, as: UTF8.self)
        case .windows1252:
            var text = String.UnicodeScalarView()
            for byte in line {
                let value = (0x80...0x9F).contains(byte) ? Self.windows1252C1[Int(byte) - 0x80] : UInt32(byte)
                text.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            }
            return String(text)
        }
    }

    /// What Windows-1252 puts at 0x80...0x9F (the five bytes it leaves undefined stay the C1
    /// controls Latin-1 has there); every other byte is the Unicode scalar of its value.
    private static let windows1252C1: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}

/// Checks bytes given in pieces for well-formed UTF-8 (the Unicode Standard's table 3-7: no
/// overlong forms, surrogates or scalars past U+10FFFF), a sequence may span two pieces.
struct UTF8Validator {
    /// Continuation bytes still expected of the current sequence.
    private var expected = 0
    /// The range the next continuation byte must lie in (narrower after some lead bytes).
    private var next: ClosedRange<UInt8> = 0x80...0xBF
    private var failed = false

    /// Whether every byte so far was well-formed and no sequence is left open.
    var isValidAndComplete: Bool { !failed && expected == 0 }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard !failed else { return }
        for byte in bytes {
            if expected > 0 {
                guard next.contains(byte) else { failed = true; return }
                expected -= 1
                next = 0x80...0xBF
                continue
            }
            switch byte {
            case 0x00...0x7F: continue
            case 0xC2...0xDF: expected = 1
            case 0xE0: (expected, next) = (2, 0xA0...0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: expected = 2
            case 0xED: (expected, next) = (2, 0x80...0x9F)
            case 0xF0: (expected, next) = (3, 0x90...0xBF)
            case 0xF1...0xF3: expected = 3
            case 0xF4: (expected, next) = (3, 0x80...0x8F)
            default: failed = true; return
            }
        }
    }
}
