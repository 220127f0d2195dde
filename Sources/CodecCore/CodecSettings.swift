/// A setting a codec declares as data (name, kind, default, help): callers set it by name
/// (`aimport import --codec-option NAME=VALUE`, ``ImportOptions/codecSettings``), and the CLI
/// builds its help from the declarations, so a new codec needs no new flags.
public struct CodecSetting: Sendable {
    public enum Kind: Sendable, Equatable {
        case integer(ClosedRange<Int>)
        case boolean
        case choice([String])
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: String
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: String, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// Whether `text` is a value of this setting.
    public func accepts(_ text: String) -> Bool {
        switch kind {
        case .integer(let range): Int(text).map(range.contains) ?? false
        case .boolean: ["true", "false", "yes", "no", "1", "0"].contains(text.lowercased())
        case .choice(let choices): choices.contains(text.lowercased())
        }
    }

    /// The allowed values, for help and error messages.
    public var allowed: String {
        switch kind {
        case .integer(let range): "\(range.lowerBound)...\(range.upperBound)"
        case .boolean: "true or false"
        case .choice(let choices): choices.joined(separator: ", ")
        }
    }
}

extension ImportOptions {
    /// Sets `codec`'s setting `name` (names are lowercase).
    public mutating func set(_ name: String, _ value: String, for codec: CodecID) {
        codecSettings[codec, default: [:]][name.lowercased()] = value
    }

    /// Checks the settings given for `backend`'s codec against the ones it declares.
    /// - Throws: ``CodecError/Code/invalidArgument`` for an unknown name or a bad value, naming both.
    public func validateCodecOptions(for backend: any CodecBackend.Type) throws(CodecError) {
        let settings = backend.settings
        for (name, value) in (codecSettings[backend.codecID] ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let setting = settings.first(where: { $0.name == name }) else {
                let known = settings.map(\.name).joined(separator: ", ")
                throw CodecError(.invalidArgument, "codec \(backend.codecID) has no setting '\(name)' (it has: \(known.isEmpty ? "none" : known))")
            }
            guard setting.accepts(value) else {
                throw CodecError(.invalidArgument, "\(backend.codecID) setting \(name) must be \(setting.allowed), not '\(value)'")
            }
        }
    }

    /// `backend`'s setting `name` as given, else as declared (its default).
    private func text(_ name: String, of backend: any CodecBackend.Type) -> String? {
        codecSettings[backend.codecID]?[name] ?? backend.settings.first { $0.name == name }?.defaultValue
    }

    /// The integer setting `name` of `backend` (0 for a name it does not declare).
    public func integer(_ name: String, of backend: any CodecBackend.Type) -> Int {
        text(name, of: backend).flatMap { Int($0) } ?? 0
    }

    /// The boolean setting `name` of `backend` (false for a name it does not declare).
    public func boolean(_ name: String, of backend: any CodecBackend.Type) -> Bool {
        ["true", "yes", "1"].contains(text(name, of: backend)?.lowercased() ?? "")
    }

    /// The choice setting `name` of `backend` (empty for a name it does not declare).
    public func choice(_ name: String, of backend: any CodecBackend.Type) -> String {
        text(name, of: backend)?.lowercased() ?? ""
    }
}
