import ArgumentParser
import RAGCore

/// `ragline settings`: the configuration table (the README's copy is this output).
struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "Print every setting with its default.")

    func run() async throws {
        print(Settings.markdownTable())
    }
}
