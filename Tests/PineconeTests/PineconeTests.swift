import Foundation
import Pinecone
import RAGCore
import RaglineTestSupport
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct PineconeVectorIndexTests {
    func entry(_ id: String, _ namespace: String, _ vector: [Float], source: String = "knowledge/a/f.jsonl") -> IndexEntry {
        IndexEntry(id: id, namespace: namespace, vector: vector, question: "Q \(id)?", answer: "A \(id).", context: "C \(id)", source: source)
    }

    func withServer(_ body: (FakePinecone, PineconeConfiguration) async throws -> Void) async throws {
        let server = FakePinecone(dimension: 3)
        try await server.start()
        var configuration = PineconeConfiguration(apiKey: server.key)
        configuration.indexName = "ragline"
        configuration.controlPlaneURL = server.baseURL
        configuration.timeout = .seconds(5)
        try await withAsyncCleanup({ await server.stop() }) { try await body(server, configuration) }
    }

    @Test func upsertsInBatchesQueriesAcrossNamespacesAndKeepsMetadata() async throws {
        try await withServer { server, configuration in
            let index = PineconeVectorIndex(configuration: configuration)
            let many = (0..<2500).map { entry("e\($0)", "big", [1, Float($0 % 7), 0]) }
            try await index.upsert(many + [entry("x", "one", [1, 0, 0]), entry("w", "two", [0.9, 0.1, 0]), entry("z", "two", [0, 0, 1])])
            #expect(server.count("big") == 2500)
            #expect(server.upsertBatchSizes.value.filter { $0 > 2 }.sorted() == [500, 1000, 1000], "at most 1000 vectors per request")
            #expect(server.controlPlaneCalls.value == 1, "the host is resolved once")

            let scoped = try await index.query(vector: [1, 0, 0], topK: 2, namespace: "two")
            #expect(scoped.map(\.id) == ["w", "z"])
            #expect(scoped[0].answer == "A w." && scoped[0].question == "Q w?" && scoped[0].context == "C w" && scoped[0].source == "knowledge/a/f.jsonl")
            let all = try await index.query(vector: [1, 0, 0], topK: 3, namespace: nil)
            #expect(all.first?.id == "x" || all.first?.namespace == "big", "merged by score across namespaces")
            #expect(all.count == 3)
            #expect(all.map(\.score) == all.map(\.score).sorted(by: >))
            #expect(try await index.namespaces() == ["big", "one", "two"])
        }
    }

    @Test func deleteBySourceKeepsTheListedEntries() async throws {
        try await withServer { server, configuration in
            let index = PineconeVectorIndex(configuration: configuration)
            try await index.upsert([entry("a", "ns", [1, 0, 0], source: "f1"), entry("b", "ns", [1, 0, 0], source: "f1"), entry("c", "ns", [1, 0, 0], source: "f2")])
            try await index.deleteEntries(fromSource: "f1", keeping: ["ns": ["a"]])
            #expect(server.count("ns") == 2)
            #expect(server.metadata("ns", "b") == nil)
            try await index.deleteEntries(fromSource: "f1", keeping: [:])
            #expect(server.count("ns") == 1)
            #expect(server.metadata("ns", "c")?["source"] as? String == "f2")

            let fetched = try await index.fetch(ids: ["c", "missing"], namespace: "ns")
            #expect(fetched.map(\.id) == ["c"])
            #expect(fetched.first?.answer == "A c.")
            try await index.delete(ids: ["c"], namespace: "ns")
            #expect(server.count("ns") == 0)
        }
    }

    @Test func alternateQuestionsAreVectorsOfTheirEntryAndTheNamespaceListsWhole() async throws {
        try await withServer { server, configuration in
            let index = PineconeVectorIndex(configuration: configuration)
            var alternate = entry("a", "ns", [0, 1, 0], source: "f1")
            alternate.vectorID = IndexEntry.alternateVectorID(entry: "a", number: 1)
            alternate.matchedQuestion = "Other wording of a?"
            let many = (0..<230).map { entry("m\($0)", "ns", [1, 0, Float($0)], source: "f2") }
            try await index.upsert([entry("a", "ns", [1, 0, 0], source: "f1"), alternate] + many)

            let match = try #require(try await index.query(vector: [0, 1, 0], topK: 1, namespace: "ns").first)
            #expect(match.id == "a" && match.vectorID == "a#alt-1" && match.matchedQuestion == "Other wording of a?" && match.question == "Q a?")

            // Listed page by page (100 ids a page), then fetched with values.
            let vectors = try await index.vectors(in: "ns")
            #expect(vectors.count == 232)
            let alt = try #require(vectors.first { $0.vectorID == "a#alt-1" })
            #expect(alt.entryID == "a" && alt.question == "Other wording of a?" && alt.answer == "A a." && alt.vector == [0, 1, 0])

            // A vector written before alternate questions existed (no `vector_id` in its metadata) is stale.
            try server.insertRaw("ns", id: "old", values: [1, 1, 0], metadata: ["entry_id": "old", "source": "f1", "answer": "A old."])
            // A new version of f1 without the alternate removes its vector and keeps the entry's own.
            try await index.deleteEntries(fromSource: "f1", keeping: ["ns": ["a"]])
            #expect(server.metadata("ns", "old") == nil)
            #expect(server.metadata("ns", "a#alt-1") == nil)
            #expect(server.metadata("ns", "a")?["entry_id"] as? String == "a")
        }
    }

    /// The index on a server whose data-plane host is the fake itself.
    func withFaultyIndex(
        attemptTimeout: Duration = .seconds(5), _ body: (FakePinecone, PineconeConfiguration, PineconeVectorIndex) async throws -> Void
    ) async throws {
        try await withServer { server, configuration in
            var configuration = configuration
            configuration.indexHost = server.baseURL
            configuration.timeout = attemptTimeout
            let index = PineconeVectorIndex(configuration: configuration)
            try await index.upsert([entry("a", "ns", [1, 0, 0])])
            try await body(server, configuration, index)
        }
    }

    // Each fault scenario has its own server: on a loaded machine an attempt that timed out may reach the server
    // after its query has given up, and it must not take a fault meant for the next scenario.

    @Test func retriesRateLimitsServerErrorsAndMalformedAnswers() async throws {
        try await withFaultyIndex { server, _, index in
            server.inject(.status(429, body: #"{"code":8,"message":"Too many requests"}"#, retryAfter: "1"), .status(503, body: #"{"code":14,"message":"unavailable"}"#), .malformed)
            let start = ContinuousClock.now
            let found = try await index.query(vector: [1, 0, 0], topK: 1, namespace: "ns")
            #expect(found.first?.id == "a")
            #expect(ContinuousClock.now - start >= .seconds(1), "Retry-After was honoured")
        }
    }

    @Test func slowAnswersOnEveryAttemptEndInARetriableError() async throws {
        try await withFaultyIndex(attemptTimeout: .milliseconds(500)) { server, _, index in
            // More slow answers than attempts: an attempt that times out before the server has taken its fault
            // (a loaded machine) must not leave a later attempt a fast answer.
            for _ in 0..<8 { server.inject(.slow(.seconds(2))) }
            await #expect {
                _ = try await index.query(vector: [1, 0, 0], topK: 1, namespace: "ns")
            } throws: { ($0 as? ProviderError)?.isRetriable == true }
        }
    }

    @Test func clientErrorsAndAWrongKeyAreReportedWithoutRetry() async throws {
        try await withFaultyIndex { server, configuration, index in
            server.inject(.status(400, body: #"{"code":3,"message":"bad filter"}"#))
            await #expect {
                _ = try await index.query(vector: [1, 0, 0], topK: 1, namespace: "ns")
            } throws: { error in
                guard let error = error as? ProviderError else { return false }
                return !error.isRetriable && error.message.contains("bad filter")
            }
            let wrongKey = PineconeVectorIndex(configuration: { var c = configuration; c.apiKey = "nope"; return c }())
            await #expect {
                _ = try await wrongKey.namespaces()
            } throws: { error in
                guard let error = error as? ProviderError else { return false }
                return !error.isRetriable && error.message.contains("PINECONE_API_KEY")
            }
        }
    }

    @Test func inferenceEmbedderBatchesBy96AndSetsTheInputType() async throws {
        let server = FakePinecone(dimension: 4)
        try await server.start()
        try await withAsyncCleanup({ await server.stop() }) {
            var configuration = PineconeConfiguration(apiKey: server.key)
            configuration.controlPlaneURL = server.baseURL
            let embedder = PineconeEmbedder(configuration: configuration, dimensions: 4)
            let vectors = try await embedder.embed((0..<200).map { String(repeating: "x", count: $0 % 5 + 1) }, kind: .passage)
            #expect(vectors.count == 200)
            #expect(abs(vectors[0].reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
            _ = try await embedder.embed(["question"], kind: .query)
            #expect(server.embedCalls.value.map(\.count) == [96, 96, 8, 1])
            #expect(server.embedCalls.value.map(\.inputType) == ["passage", "passage", "passage", "query"])
        }
    }
}
