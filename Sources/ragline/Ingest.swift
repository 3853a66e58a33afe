import ArgumentParser
import Foundation
import IngestWorker
import LocalProviders
import RAGCore
import RaglineApp

/// `ragline ingest <file|folder>...`: loads JSONL knowledge files into the embedded index directly, with
/// progress and a per-file report. A file's key is `knowledge/<namespace>/<name>.jsonl`, so ingesting a
/// new version of the same file replaces its entries (the file is the unit of truth).
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ingest JSONL knowledge files into the embedded index, with a report per file.")

    @Argument(help: "JSONL files, or folders searched for *.jsonl.") var paths: [String]
    @Option(help: "Namespace for every file (default: the file name without .jsonl).") var namespace: String?
    @OptionGroup var options: CommonOptions

    func run() async throws {
        if let namespace, !KnowledgeLineParser.isValidNamespace(namespace) {
            throw ValidationError("--namespace must be 1-64 letters, digits, '-', '_' or '.'")
        }
        let files = try paths.flatMap(Self.jsonlFiles)
        guard !files.isEmpty else { throw ValidationError("no .jsonl files in \(paths.joined(separator: ", "))") }
        let configuration = await Bootstrap.configurationOrExit(options)
        _ = Bootstrap.logging(configuration, label: "ragline.ingest")

        var keys: [String: URL] = [:]
        var order: [(String, URL)] = []
        for file in files {
            let fileNamespace = namespace ?? file.deletingPathExtension().lastPathComponent
            let key = "knowledge/\(fileNamespace)/\(file.lastPathComponent)"
            keys[key] = file
            order.append((key, file))
        }
        let ingestor: KnowledgeIngestor
        do {
            ingestor = KnowledgeIngestor(
                store: FileObjectStore(files: keys), embedder: try ProviderFactory.embedder(configuration),
                index: try ProviderFactory.index(configuration), batchSize: configuration.ingest.embedBatchSize
            )
        } catch {
            Bootstrap.fail(error)
        }

        var failedFiles = 0
        for (key, file) in order {
            let totalLines = Self.lineCount(file)
            do {
                let report = try await ingestor.ingest(KnowledgeSource(bucket: "local", key: key)) { read in
                    Self.progress(file.lastPathComponent, read: read, total: totalLines)
                } rejected: { _, _ in }
                FileHandle.standardError.write(Data("\n".utf8))
                print("\(file.path) -> \(key): \(report.accepted) accepted, \(report.rejected.count) rejected, \(report.deleted) removed")
                for line in report.rejected.prefix(20) {
                    print("  line \(line.line): \(line.reason)")
                }
                if report.rejected.count > 20 { print("  ... and \(report.rejected.count - 20) more") }
            } catch {
                failedFiles += 1
                FileHandle.standardError.write(Data("\n".utf8))
                print("\(file.path): failed: \(error)")
            }
        }
        if failedFiles > 0 { throw ExitCode(1) }
    }

    static func jsonlFiles(_ path: String) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(path) does not exist")
        }
        let url = URL(fileURLWithPath: path)
        guard isDirectory.boolValue else { return [url] }
        let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
        return (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension.lowercased() == "jsonl" }.sorted { $0.path < $1.path }
    }

    static func lineCount(_ file: URL) -> Int {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return 0 }
        defer { try? handle.close() }
        var count = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            count += chunk.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        }
        return count
    }

    static func progress(_ name: String, read: Int, total: Int) {
        let fraction = total > 0 ? min(1, Double(read) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(name) [\(bar)] \(read) lines".utf8))
    }
}
