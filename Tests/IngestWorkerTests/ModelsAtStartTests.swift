import Foundation
import IngestWorker
import LocalProviders
import Logging
import Messaging
import RAGCore
import RaglineTestSupport
import Testing

/// An ingest worker that starts over an index already holding knowledge republishes every namespace's
/// model: `ragline dev` keeps its index but its embedded broker starts empty, and retrievers would
/// otherwise answer with fallback thresholds until a file changed.
@Suite(.timeLimit(.minutes(1)))
struct ModelsAtStartTests {
    @Test func anIngestWorkerRepublishesTheModelsOfWhatItsIndexHolds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.appending("kb/faq"), withIntermediateDirectories: true)
        try [
            #"{"id":"faq-1","question":"How do I reset my password?","answer":"Use the Forgot password link."}"#,
            #"{"id":"faq-2","question":"Where is my invoice?","answer":"Invoices are under Billing."}"#,
        ].joined(separator: "\n").write(toFile: directory.appending("kb/faq/faq.jsonl"), atomically: true, encoding: .utf8)
        let index = try LocalVectorIndex(directory: directory.appending("index"))
        let ingestor = KnowledgeIngestor(store: FolderObjectStore(root: directory.appending("kb")), embedder: LexicalEmbedder(), index: index, batchSize: 2)
        _ = try await ingestor.ingest(KnowledgeSource(bucket: "local", key: "faq/faq.jsonl")) { _, _ in }

        // A new bus: the topic holds nothing, the index holds the namespace.
        let bus = InMemoryBus()
        let publisher = EventPublisher(producer: bus, source: "/ragline/ingest-worker")
        let models = KnowledgeModelPublisher(
            index: index, embeddingModel: ingestor.embedder.modelID, fitter: KnowledgeModelFitter(), publisher: publisher, logger: Logger(label: "test")
        )
        let service = IngestWorkerService(
            consumer: bus.stream(topics: [Topics.ingestEvents]), publisher: publisher, ingestor: ingestor, models: models, readiness: Readiness(),
            logger: Logger(label: "test")
        )
        let running = Task { try await service.run() }
        defer { running.cancel() }
        try await waitUntil("the faq model on rag.knowledge.models", timeout: .seconds(20)) {
            !bus.records(in: [Topics.knowledgeModels]).isEmpty
        }
        let record = try #require(bus.records(in: [Topics.knowledgeModels]).first)
        #expect(record.keyString == "faq")
        #expect(try EventCoding.decode(KnowledgeModel.self, from: record.value).namespace == "faq")
    }
}
