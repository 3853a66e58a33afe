import ArgumentParser
import Foundation
import RAGCore
import RaglineApp

/// `ragline export [--namespace NS] [--output DIR] [--force]`: writes the configured index's entries back
/// out as knowledge JSONL, one file per source key (`<output>/<key>`), each entry one line with every field
/// it was ingested with: id, question, answer, context, alternate questions (folded back from their
/// vectors), namespace and the line's other fields. The files re-ingest to the same entries. Reads the
/// local index or Pinecone; needs no embedder. Never replaces a file without `--force`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the index's entries back out as knowledge JSONL, one file per source key."
    )

    @Option(help: "Export only this namespace (default: every namespace).") var namespace: String?
    @Option(help: "Directory to write into; each file goes to <output>/<its object key>, e.g. export/knowledge/transport/transport.jsonl.")
    var output: String = "export"
    @Flag(help: "Replace files that already exist in the output directory.") var force = false
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = await Bootstrap.configurationOrExit(options)
        _ = Bootstrap.logging(configuration, label: "ragline.export")
        let isLocal = configuration.providers.vectorIndex == "local"
        let place = isLocal ? "the index at \(configuration.indexDirectory)" : "the \(configuration.providers.vectorIndex) index"
        // Opening the local index creates its directory: an index that was never filled is simply empty.
        if isLocal, !FileManager.default.fileExists(atPath: configuration.indexDirectory) {
            print("\(place) holds no entries (it does not exist); nothing exported")
            return
        }
        let index: any VectorIndex
        do {
            // No embedder: the local index is opened unbound, as for reading counts, so no model is loaded.
            index = try ProviderFactory.index(configuration)
        } catch {
            Bootstrap.fail(error)
        }
        let entries: [IndexEntry]
        do {
            entries = try await KnowledgeExport.entries(of: index, namespace: namespace)
        } catch {
            FileHandle.standardError.write(Data("ragline export: \(error)\n".utf8))
            throw ExitCode(1)
        }
        guard !entries.isEmpty else {
            print(namespace.map { "\(place) holds no entries in namespace \($0); nothing exported" } ?? "\(place) holds no entries; nothing exported")
            return
        }

        let files = KnowledgeExport.files(from: entries)
        let targets = files.map { (output as NSString).appendingPathComponent($0.relativePath) }
        let existing = targets.filter { FileManager.default.fileExists(atPath: $0) }
        if !existing.isEmpty, !force {
            let shown = existing.prefix(3).joined(separator: ", ") + (existing.count > 3 ? ", ..." : "")
            FileHandle.standardError.write(Data(
                "ragline export: \(existing.count) of the \(files.count) files exist already (\(shown)); nothing written. Pass --force to replace them, or choose another --output.\n".utf8
            ))
            throw ExitCode(1)
        }

        for (file, target) in zip(files, targets) {
            do {
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            } catch {
                FileHandle.standardError.write(Data("ragline export: cannot write \(target): \(error)\n".utf8))
                throw ExitCode(1)
            }
            let alternates = file.records.reduce(0) { $0 + $1.alternateQuestions.count }
            var line = "\(target): \(Self.count(file.records.count, "entry", "entries"))"
            if alternates > 0 { line += ", \(Self.count(alternates, "alternate question", "alternate questions"))" }
            if file.relativePath != file.source { line += " (from \(file.source.isEmpty ? "entries without a source key" : file.source))" }
            print(line)
        }
        let entryCount = files.reduce(0) { $0 + $1.records.count }
        let namespaceCount = Set(entries.map(\.namespace)).count
        print("exported \(Self.count(entryCount, "entry", "entries")) (\(Self.count(entries.count, "vector", "vectors"))) of \(Self.count(namespaceCount, "namespace", "namespaces")) into \(Self.count(files.count, "file", "files")) under \(output)")
        if let namespace {
            print("only namespace \(namespace): a source file that also filled other namespaces is exported with this namespace's entries alone; uploading it under its key would remove the others")
        }
    }

    static func count(_ number: Int, _ singular: String, _ plural: String) -> String {
        "\(number) \(number == 1 ? singular : plural)"
    }
}
