import ArgumentParser
import AWS
import Foundation
import IngestWorker
import Kafka
import LocalProviders
import Logging
import Messaging
import RAGCore
import RaglineApp

/// `ragline ingest <file|folder|s3://bucket/prefix>...`: loads JSONL knowledge files into the configured
/// index directly, with progress and a per-file report: the same report the ingest worker publishes on
/// `rag.ingest.reports` (`--json` prints that event itself, one a line). A local file's key is
/// `knowledge/<namespace>/<name>.jsonl`; an S3 object keeps its key. Ingesting a new version of the same
/// file replaces its entries (the file is the unit of truth).
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ingest JSONL knowledge files into the embedded index, with a report per file.")

    @Argument(help: "JSONL files, folders searched for *.jsonl, or s3://bucket/prefix (a backfill of every .jsonl object under it).") var paths: [String]
    @Option(help: "Namespace for every local file (default: the file name without .jsonl). S3 objects take theirs from the key.") var namespace: String?
    @Flag(help: "Print each file's report as the JSON of its rag.ingest.reports event (KnowledgeIngested), one a line.") var json = false
    @OptionGroup var options: CommonOptions

    func run() async throws {
        if let namespace, !KnowledgeLineParser.isValidNamespace(namespace) {
            throw ValidationError("--namespace must be 1-64 letters, digits, '-', '_' or '.'")
        }
        let configuration = await Bootstrap.configurationOrExit(options)
        _ = Bootstrap.logging(configuration, label: "ragline.ingest")
        let s3Paths = paths.filter { $0.hasPrefix("s3://") }
        if !s3Paths.isEmpty {
            try await ingestFromS3(s3Paths, configuration: configuration)
        }
        let localPaths = paths.filter { !$0.hasPrefix("s3://") }
        guard !localPaths.isEmpty else { return }
        let files = try localPaths.flatMap(Self.jsonlFiles)
        guard !files.isEmpty else { throw ValidationError("no .jsonl files in \(localPaths.joined(separator: ", "))") }

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
            ingestor = try RoleProviders(needs: Role.ingestWorker.needs, configuration: configuration, objectStore: FileObjectStore(files: keys))
                .knowledgeIngestor(configuration)
        } catch {
            Bootstrap.fail(error)
        }

        let sources = order.map { key, file in (KnowledgeSource(bucket: "local", key: key), file.path, Self.lineCount(file)) }
        let namespaces = try await Self.ingest(sources, with: ingestor, json: json)
        await Self.publishModels(namespaces, ingestor: ingestor, configuration: configuration)
    }

    /// Refits the touched namespaces' knowledge models and publishes them for the retrievers, when Kafka is
    /// reachable (`KAFKA_BROKERS`, or `ragline broker`'s address); otherwise says what that leaves stale.
    static func publishModels(_ namespaces: Set<String>, ingestor: KnowledgeIngestor, configuration: RaglineConfiguration) async {
        guard !namespaces.isEmpty else { return }
        let logger = Logger(label: "ragline.ingest")
        do {
            let brokers = try RaglineRuntime.brokers(configuration)
            let client = try KafkaClientFactory.client(configuration, brokers: brokers, clientID: "ragline-ingest")
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
            let publisher = KnowledgeModelPublisher(
                index: ingestor.index, embeddingModel: ingestor.embedder.modelID, fitter: KnowledgeModelFitter(scoring: configuration.scoring),
                publisher: EventPublisher(producer: producer, source: "/ragline/ingest"), logger: logger
            )
            do {
                try await producer.whileRunning {
                    try await publisher.refresh(namespaces)
                }
                print("knowledge models published for \(namespaces.sorted().joined(separator: ", "))")
            } catch {
                print("knowledge models not published: \(error)")
            }
        } catch {
            print("knowledge models not published (\(error)); running retrievers keep their earlier models until the ingest worker applies a change to these namespaces")
        }
    }

    /// Lists every `.jsonl` object under each `s3://bucket/prefix` and ingests it from S3.
    func ingestFromS3(_ locations: [String], configuration: RaglineConfiguration) async throws {
        if namespace != nil { throw ValidationError("--namespace applies to local files; S3 objects take their namespace from the key") }
        let client: S3Client
        let ingestor: KnowledgeIngestor
        do {
            client = try ProviderFactory.s3Client(configuration)
            ingestor = try RoleProviders(needs: Role.ingestWorker.needs, configuration: configuration, objectStore: S3ObjectStore(client: client))
                .knowledgeIngestor(configuration)
        } catch {
            Bootstrap.fail(error)
        }
        var sources: [(KnowledgeSource, String, Int)] = []
        for location in locations {
            let path = location.dropFirst("s3://".count)
            let bucket = String(path.prefix { $0 != "/" })
            let prefix = String(path.dropFirst(bucket.count + 1 > path.count ? path.count : bucket.count + 1))
            guard !bucket.isEmpty else { throw ValidationError("\(location) names no bucket") }
            let keys = try await client.listObjects(bucket: bucket, prefix: prefix).filter { $0.lowercased().hasSuffix(".jsonl") }
            if keys.isEmpty { print("\(location): no .jsonl objects") }
            sources += keys.map { (KnowledgeSource(bucket: bucket, key: $0), "s3://\(bucket)/\($0)", 0) }
        }
        let namespaces = try await Self.ingest(sources, with: ingestor, json: json)
        await Self.publishModels(namespaces, ingestor: ingestor, configuration: configuration)
    }

    /// Ingests each source with a progress bar, prints its report, fails (exit 1) if any source failed.
    /// Returns the namespaces the applied sources touched.
    static func ingest(_ sources: [(source: KnowledgeSource, name: String, totalLines: Int)], with ingestor: KnowledgeIngestor, json: Bool = false) async throws -> Set<String> {
        var failed = 0
        var namespaces: Set<String> = []
        for (source, name, totalLines) in sources {
            let start = ContinuousClock.now
            let startedAt = Date()
            do {
                let report = try await ingestor.ingest(source) { read in
                    progress((name as NSString).lastPathComponent, read: read, total: totalLines)
                } rejected: { _, _ in }
                namespaces.formUnion(report.namespaces)
                FileHandle.standardError.write(Data("\n".utf8))
                printReport(report.event(), name: name, json: json)
            } catch {
                failed += 1
                FileHandle.standardError.write(Data("\n".utf8))
                var report = IngestReport(source: source, operation: .put, embeddingModel: ingestor.embedder.modelID, startedAt: startedAt)
                report.finish(since: start)
                printReport(report.event(status: .failed, error: "\(error)"), name: name, json: json)
            }
        }
        if failed > 0 { throw ExitCode(1) }
        return namespaces
    }

    /// Prints one file's report: the counts (`removed` is the event's `deleted`), the namespace, operation,
    /// status, time and model, then the rejected lines the event lists; or, with `json`, the event itself.
    static func printReport(_ report: KnowledgeIngested, name: String, json: Bool) {
        if json {
            print(String(decoding: (try? EventCoding.encode(report)) ?? Data(), as: UTF8.self))
            return
        }
        let details = "namespace \(report.namespace), \(report.operation?.rawValue ?? "put"), \(report.status.rawValue) in "
            + "\(String(format: "%.1f", report.durationMilliseconds)) ms, model \(report.embeddingModel)"
        switch report.status {
        case .completed:
            let target = name.hasPrefix("s3://") ? "" : " -> \(report.key)"
            print("\(name)\(target): \(report.accepted) accepted, \(report.rejected) rejected, \(report.deleted) removed, \(report.unchanged) unchanged (\(details))")
        case .failed:
            print("\(name): failed: \(report.error ?? "unknown error") (\(details))")
        }
        for line in report.rejectedLines {
            print("  line \(line.line): \(line.reason)")
        }
        if report.rejectedLinesTruncated > 0 { print("  ... and \(report.rejectedLinesTruncated) more") }
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
        guard total > 0 else {
            FileHandle.standardError.write(Data("\r\(name): \(read) lines".utf8))
            return
        }
        let fraction = min(1, Double(read) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(name) [\(bar)] \(read) lines".utf8))
    }
}
