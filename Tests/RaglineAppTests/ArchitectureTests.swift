import Foundation
import Testing

/// README's "Targets" table is `scripts/target-graph.py`: the targets and their dependencies exactly as
/// Package.swift declares them.
@Suite struct ArchitectureTests {
    @Test func readmeTargetTableIsPackageSwift() throws {
        var root = URL(fileURLWithPath: #filePath)
        while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/target-graph.py").path, root.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let table = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(table.hasPrefix("| target |"))
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(table), "README.md's target table differs from scripts/target-graph.py; paste its output")
    }
}
