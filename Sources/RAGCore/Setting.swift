import Configuration

/// One documented setting: its key (the environment variable is the key upper-cased with `_` for `.`),
/// its default as written in the README, and what it does. Each target declares its own settings in an
/// extension of `Settings`, next to the configuration that reads them; the README table lists them all.
public struct Setting: Sendable, Hashable {
    public let key: ConfigKey
    public let defaultDescription: String
    public let roles: String
    public let summary: String
    public let isSecret: Bool

    public init(_ key: String, default defaultDescription: String, roles: String, _ summary: String, secret: Bool = false) {
        self.key = ConfigKey(key)
        self.defaultDescription = defaultDescription
        self.roles = roles
        self.summary = summary
        self.isSecret = secret
    }

    public var environmentVariable: String {
        key.components.joined(separator: "_").uppercased()
    }
}

/// The namespace of every setting. Each owner adds its own: `extension Settings { public static let ... }`.
public enum Settings {}

/// A part of the configuration with one owner (a role, a provider, the Kafka client): its settings and
/// how it reads them. Defaults are the properties' initial values, written once.
public protocol ConfigurationSection: Sendable {
    /// The settings this section reads, in the order the README lists them.
    static var settings: [Setting] { get }
    /// Reads every setting of the section; what is not set keeps its default. Throws one clear line.
    init(reader: ConfigReader) throws
}

extension ConfigReader {
    public func string(_ setting: Setting, default value: String) -> String {
        string(forKey: setting.key, isSecret: setting.isSecret, default: value)
    }

    public func optionalString(_ setting: Setting) -> String? {
        string(forKey: setting.key, isSecret: setting.isSecret).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A whole number; a value that is set but is not one stops the process (a mistyped limit must never
    /// fall back to its default unnoticed).
    public func int(_ setting: Setting, default value: Int) throws -> Int {
        if let parsed = int(forKey: setting.key) { return parsed }
        guard let text = string(forKey: setting.key, isSecret: setting.isSecret) else { return value }
        guard let parsed = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(setting: setting, problem: "must be a whole number, got \"\(text)\"")
        }
        return parsed
    }

    /// A number; a value that is set but is not one stops the process.
    public func double(_ setting: Setting, default value: Double) throws -> Double {
        if let parsed = double(forKey: setting.key) { return parsed }
        guard let text = string(forKey: setting.key, isSecret: setting.isSecret) else { return value }
        guard let parsed = Double(text.trimmingCharacters(in: .whitespaces)), parsed.isFinite else {
            throw ConfigurationError(setting: setting, problem: "must be a number, got \"\(text)\"")
        }
        return parsed
    }

    /// Whether the setting has a value at all.
    public func isSet(_ setting: Setting) -> Bool {
        string(forKey: setting.key, isSecret: setting.isSecret) != nil || int(forKey: setting.key) != nil
    }

    public func list(_ setting: Setting) -> [String] {
        (optionalString(setting) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A whole number that must be over zero.
    public func positiveInt(_ setting: Setting, default value: Int) throws -> Int {
        let read = try int(setting, default: value)
        guard read > 0 else { throw ConfigurationError(setting: setting, problem: "must be positive, got \(read)") }
        return read
    }

    /// A number that must be over zero.
    public func positiveDouble(_ setting: Setting, default value: Double) throws -> Double {
        let read = try double(setting, default: value)
        guard read > 0 else { throw ConfigurationError(setting: setting, problem: "must be positive, got \(read)") }
        return read
    }

    /// Seconds, over zero, as a `Duration`.
    public func positiveSeconds(_ setting: Setting, default value: Duration) throws -> Duration {
        .milliseconds(Int((try positiveDouble(setting, default: value.seconds) * 1000).rounded()))
    }

    /// A TCP port (0 allowed where it turns the listener off).
    public func port(_ setting: Setting, default value: Int, allowZero: Bool = false) throws -> Int {
        let read = try int(setting, default: value)
        guard (allowZero ? 0 : 1)...65535 ~= read else { throw ConfigurationError(setting: setting, problem: "is not a TCP port: \(read)") }
        return read
    }

    /// `true`/`false` (and 1/0, yes/no, on/off); nil when not set.
    public func boolean(_ setting: Setting) throws -> Bool? {
        guard let text = optionalString(setting) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(setting: setting, problem: "must be true or false, got \"\(text)\"")
        }
    }
}

/// A setting with a value Ragline cannot use. Its description is the one line printed at start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let setting: String
    public let problem: String

    public init(setting: Setting, problem: String) {
        self.setting = setting.environmentVariable
        self.problem = problem
    }

    public init(variable: String, problem: String) {
        self.setting = variable
        self.problem = problem
    }

    public var description: String { "configuration error: \(setting) \(problem)" }
}
