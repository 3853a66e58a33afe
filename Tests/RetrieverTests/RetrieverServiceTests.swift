import Foundation
import Kafka
import LocalProviders
import Messaging
import RAGCore
import RaglineTestSupport
import Retriever
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct RetrieverServiceTests {
    @Test func retrievesExpiresFailsAndDeadLetters() async throws {
        let harness = try StageHarness()
        let output = try harness.reader([Topics.retrievals, Topics.answers, Topics.deadLetter(of: Topics.questions)])
        let directory = try TemporaryDirectory()
        let index = try LocalVectorIndex(directory: directory.path)
        let embedder = ScriptedEmbedder()
        let vectors = try await LexicalEmbedder().embed(["Can I bring my bicycle?"], kind: .passage)
        try await index.upsert([IndexEntry(id: "bike", namespace: "transport", vector: vectors[0], question: "Can I bring my bicycle?", answer: "Yes.", context: "", source: "k")])
        let service = RetrieverService(
            consumer: try harness.consumer(group: "retriever", topics: [Topics.questions]), publisher: harness.publisher,
            embedder: embedder, index: index, readiness: Readiness(), logger: harness.logger
        )
        try await harness.running(service) {
            let ok = StageHarness.question("bicycle on the train?", id: "ok")
            let flaky = StageHarness.question("flaky bicycle?", id: "flaky")
            let expired = StageHarness.question("bicycle?", id: "expired", deadlineIn: -1)
            let broken = StageHarness.question("permanent failure", id: "broken")
            for question in [ok, flaky, expired, broken] {
                try await harness.publisher.publish(question, type: EventTypes.questionAsked, topic: Topics.questions, key: question.id, trace: .random())
            }
            try await harness.publisher.publishRaw(value: Data("{}".utf8), topic: Topics.questions, key: nil, headers: [.init(name: "ce_specversion", string: "1.0")])
            try await waitUntil("five outputs") { output.all.count >= 5 }

            let retrievals = try output.all.filter { $0.topic == Topics.retrievals }.map { try EventCoding.decode(ContextRetrieved.self, from: $0.value) }
            #expect(Set(retrievals.map(\.question.id)) == ["ok", "flaky"])
            #expect(retrievals.allSatisfy { $0.matches.first?.id == "bike" && $0.embeddingModel == "scripted" && $0.timings.embeddingMilliseconds != nil })

            let answers = try output.all.filter { $0.topic == Topics.answers }.map { try EventCoding.decode(AnswerReady.self, from: $0.value) }
            #expect(answers.first { $0.id == "expired" }?.status == .expired)
            let failed = answers.first { $0.id == "broken" }
            #expect(failed?.status == .failed)
            #expect(failed?.error?.contains("401 Unauthorized") == true)

            let dead = output.all.filter { $0.topic == Topics.deadLetter(of: Topics.questions) }
            #expect(dead.count == 1)
            #expect(dead.first?.header(EventPublisher.DeadLetterHeader.reason) == "missing ce_id")
            #expect(dead.first?.header(EventPublisher.DeadLetterHeader.stage) == "retriever.decode")
            // Records carry the trace forward with a new span.
            #expect(output.all.filter { $0.topic != Topics.deadLetter(of: Topics.questions) }.allSatisfy { $0.header("traceparent") != nil && $0.header("ce_source") == "/test" })
        }
        await output.stop()
        directory.remove()
    }
}
