import Configuration

/// One documented setting: its key (the environment variable is the key upper-cased with `_` for `.`),
/// its default as written in the README, and what it does. `Settings.all` generates the README table.
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

extension ConfigReader {
    func string(_ setting: Setting, default value: String) -> String {
        string(forKey: setting.key, isSecret: setting.isSecret, default: value)
    }

    func optionalString(_ setting: Setting) -> String? {
        string(forKey: setting.key, isSecret: setting.isSecret).flatMap { $0.isEmpty ? nil : $0 }
    }

    func int(_ setting: Setting, default value: Int) -> Int {
        int(forKey: setting.key, default: value)
    }

    func double(_ setting: Setting, default value: Double) -> Double {
        double(forKey: setting.key, default: value)
    }

    func list(_ setting: Setting) -> [String] {
        (optionalString(setting) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
