import Foundation
import LocalProviders
import RaglineApp
import RaglineTestSupport
import Testing

/// The local index knows which embedding model filled it: a role started with another embedder on the same
/// data directory stops at start with one line naming both models, instead of searching vectors it cannot
/// compare with its own.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct IndexModelTests {
    @Test func retrieverRefusesAnIndexFilledByAnotherEmbedder() async throws {
        let directory = try TemporaryDirectory("ragline-index-model")
        let configuration = {
            var configuration = RaglineConfiguration()
            configuration.dataDirectory = directory.appending("data")
            return configuration
        }()
        let lexical = EmbeddingModel(of: LexicalEmbedder())
        // The default embedder (`RAGLINE_EMBEDDER=minilm`); this target does not link MiniLM to ask it.
        let miniLM = EmbeddingModel(id: "sentence-transformers/all-MiniLM-L6-v2", dimensions: 384)
        let processes = LockedBox<[RaglineProcess]>([])
        func launch(_ name: String, _ arguments: [String], _ environment: [String: String]) throws -> RaglineProcess {
            let process = try RaglineProcess(
                name: name, arguments: arguments,
                environment: environment.merging(["RAGLINE_DATA_DIR": configuration.dataDirectory, "RAGLINE_LOG_LEVEL": "error"]) { $1 },
                logDirectory: directory.path
            )
            processes.withLock { $0.append(process) }
            return process
        }

        try await withAsyncCleanup({
            for process in processes.value.reversed() { await process.terminate(timeout: .seconds(10)) }
            directory.remove()
        }) {
            // Fill the index with the lexical embedder. No broker: the command then only says that it did not
            // publish the knowledge models.
            let ingest = try launch("ingest", ["ingest", (repositoryRoot as NSString).appendingPathComponent("examples/knowledge/transport.jsonl")], [
                "RAGLINE_EMBEDDER": "lexical", "KAFKA_BROKERS": "",
            ])
            let ingested = await ingest.terminate(timeout: .seconds(60), signal: false)
            #expect(ingested == 0, "\(ingest.log)")
            #expect(FileManager.default.fileExists(atPath: (configuration.indexDirectory as NSString).appendingPathComponent("transport.json")), "\(ingest.log)")
            #expect(
                try LocalVectorIndex.recordedModel(inDirectory: configuration.indexDirectory) == lexical,
                "`ragline ingest` records the embedding model of the index it fills"
            )

            // The retriever fails while it assembles its providers, before it reaches Kafka: an address is all
            // it needs, no broker. Its admin port is off.
            let retriever = try launch("retriever", ["retriever"], [
                "RAGLINE_EMBEDDER": "minilm", "KAFKA_BROKERS": "127.0.0.1:1", "RAGLINE_ADMIN_PORT": "0", "RAGLINE_HOST": "127.0.0.1",
            ])
            let status = await retriever.terminate(timeout: .seconds(60), signal: false)
            let log = retriever.log
            #expect(status != nil, "the retriever did not stop within 60 s on an index of another model:\n\(log.suffix(2000))")
            #expect(status != 0, "\(log.suffix(2000))")
            let expected = "the index at \(configuration.indexDirectory) holds vectors of \(lexical), not \(miniLM.id) (\(miniLM.dimensions)): "
                + "remove \(configuration.indexDirectory) and re-ingest the knowledge"
            let lines = log.split(whereSeparator: \.isNewline).filter { $0.contains(lexical.id) && $0.contains(miniLM.id) }
            #expect(lines.count == 1, "one line names both models:\n\(log.suffix(2000))")
            #expect(lines.first?.contains(expected) == true, "\(log.suffix(2000))")
            #expect(lines.first?.hasPrefix("ragline: ") == true, "the one-line start failure on standard error:\n\(log.suffix(2000))")
            // Refused, the index keeps its vectors and its record.
            #expect(try LocalVectorIndex.recordedModel(inDirectory: configuration.indexDirectory) == lexical)
        }
    }
}
