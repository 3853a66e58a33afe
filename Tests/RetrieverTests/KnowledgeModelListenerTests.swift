import Foundation
import Kafka
import Messaging
import RAGCore
import RaglineTestSupport
import Retriever
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct KnowledgeModelListenerTests {
    func model(_ namespace: String, built seconds: TimeInterval, vectors: Int) -> KnowledgeModel {
        KnowledgeModel(
            namespace: namespace, embeddingModel: "m", builtAt: Date(timeIntervalSince1970: seconds), groupSizes: ["answer": vectors],
            lexical: .init(documentCount: vectors, averageLength: 1, documentFrequency: [:]), hubness: [:], classifier: nil, calibratedThreshold: 0.5
        )
    }

    /// A retriever that starts after models were published reads all of them before it says it has caught
    /// up, keeps the newest per namespace, and skips a record it cannot decode.
    @Test func aNewRetrieverCatchesUpWithEveryPublishedModel() async throws {
        let harness = try StageHarness()
        for (namespace, built, vectors) in [("transport", 1.0, 3), ("retail", 1.0, 2), ("transport", 2.0, 5)] {
            try await harness.publisher.publish(
                model(namespace, built: built, vectors: vectors), type: EventTypes.knowledgeModelUpdated, topic: Topics.knowledgeModels, key: namespace, trace: .random()
            )
        }
        try await harness.publisher.publishRaw(value: Data("not a model".utf8), topic: Topics.knowledgeModels, key: Data("broken".utf8), headers: [])

        let models = KnowledgeModels(caughtUp: false)
        let listener = KnowledgeModelListener(consumer: try harness.consumer(group: "models-\(UUID())", topics: [Topics.knowledgeModels]), models: models, logger: harness.logger)
        try await harness.running(listener) {
            #expect(await models.waitUntilCaughtUp(within: .seconds(30)))
            #expect(await models.vectorCounts() == ["transport": 5, "retail": 2])
        }
    }

    @Test func anEmptyTopicIsCaughtUpAtOnce() async throws {
        let harness = try StageHarness()
        let models = KnowledgeModels(caughtUp: false)
        let listener = KnowledgeModelListener(consumer: try harness.consumer(group: "models-\(UUID())", topics: [Topics.knowledgeModels]), models: models, logger: harness.logger)
        try await harness.running(listener) {
            #expect(await models.waitUntilCaughtUp(within: .seconds(30)))
            #expect(await models.namespaces.isEmpty)
        }
    }
}
