import Foundation
import Pinecone
import RAGCore
import RaglineTestSupport
import Testing

/// `ragline export` on Pinecone: every vector listed and fetched back with its entry's source and the
/// knowledge line's other fields (kept as one JSON string, since Pinecone metadata is flat).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PineconeExportTests {
    @Test func entriesComeBackWithTheirSourceAndTheLinesOtherFields() async throws {
        let server = FakePinecone(dimension: 3)
        try await server.start()
        try await withAsyncCleanup({ await server.stop() }) {
            var configuration = PineconeConfiguration(apiKey: server.key)
            configuration.indexName = "ragline"
            configuration.controlPlaneURL = server.baseURL
            configuration.timeout = .seconds(5)
            let index = PineconeVectorIndex(configuration: configuration)

            let metadata: [String: JSONValue] = [
                "tags": .array([.string("bikes")]), "priority": .number(2), "review": .object(["by": .string("ops"), "approved": .bool(true)]),
            ]
            let own = IndexEntry(
                id: "bike", namespace: "transport", vector: [1, 0, 0], question: "Can I bring my bicycle?", answer: "Folding bikes travel free.",
                context: "Bicycles.", source: "knowledge/transport/transport.jsonl", metadata: metadata
            )
            var alternate = own
            alternate.vectorID = IndexEntry.alternateVectorID(entry: "bike", number: 1)
            alternate.matchedQuestion = "Are bikes allowed on board?"
            alternate.vector = [0, 1, 0]
            let plain = IndexEntry(
                id: "refund", namespace: "billing", vector: [0, 0, 1], question: "How do refunds work?", answer: "Within 14 days.", context: "",
                source: "knowledge/billing/faq.jsonl"
            )
            try await index.upsert([own, alternate, plain])
            #expect(server.metadata("transport", "bike")?["extra_fields"] is String, "nested fields travel as one string")
            #expect(server.metadata("billing", "refund")?["extra_fields"] == nil)

            #expect(try await index.entries(in: "transport") == [own, alternate])
            #expect(try await index.entries(in: "billing") == [plain])

            let files = KnowledgeExport.files(from: try await KnowledgeExport.entries(of: index))
            #expect(files.map(\.source) == ["knowledge/billing/faq.jsonl", "knowledge/transport/transport.jsonl"])
            let bike = try #require(files.last?.records.first)
            #expect(bike == KnowledgeRecord(
                id: "bike", question: "Can I bring my bicycle?", answer: "Folding bikes travel free.", context: "Bicycles.",
                alternateQuestions: ["Are bikes allowed on board?"], namespace: "transport", extra: metadata
            ))
            let line = KnowledgeExport.line(for: bike)
            #expect(try KnowledgeLineParser().parse(Substring(line), number: 1)?.get() == bike)
        }
    }
}
