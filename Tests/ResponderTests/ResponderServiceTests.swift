import Foundation
import Kafka
import Messaging
import RAGCore
import RaglineTestSupport
import Responder
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct ResponderServiceTests {
    func retrieved(_ id: String, deadlineIn seconds: TimeInterval = 30) -> ContextRetrieved {
        let match = RetrievedMatch(id: "e1", namespace: "n", score: 0.9, question: "Q1", answer: "Approved answer.", context: "ctx", source: "k")
        return ContextRetrieved(question: StageHarness.question("What?", id: id, deadlineIn: seconds), matches: [match], embeddingModel: "m", timings: StageTimings(embeddingMilliseconds: 1, searchMilliseconds: 2))
    }

    @Test func retriesTransientModelErrorsAndKeepsTimings() async throws {
        let harness = try StageHarness()
        let output = try harness.reader([Topics.answers])
        let model = RecordingChatModel(failFirst: 2, retriable: true)
        let service = ResponderService(consumer: try harness.consumer(group: "responder", topics: [Topics.retrievals]), publisher: harness.publisher, model: model, readiness: Readiness(), logger: harness.logger)
        try await harness.running(service) {
            try await harness.publisher.publish(retrieved("q1"), type: EventTypes.contextRetrieved, topic: Topics.retrievals, key: "q1", trace: .random())
            try await waitUntil("an answer") { !output.all.isEmpty }
            let answer = try EventCoding.decode(AnswerReady.self, from: output.all[0].value)
            #expect(answer.status == .answered)
            #expect(answer.answer == "Approved answer.")
            #expect(answer.references.map(\.id) == ["e1"])
            #expect(answer.model == "recording")
            #expect(answer.usage == TokenUsage(promptTokens: 10, completionTokens: 5))
            #expect(answer.timings.embeddingMilliseconds == 1 && answer.timings.generationMilliseconds != nil && answer.timings.pipelineMilliseconds != nil)
            let requests = await model.requests
            #expect(requests.count == 3)
            #expect(requests[0].messages.first?.content == PromptBuilder.systemInstruction)
            #expect(requests[0].messages.last?.content.contains("Approved answer.") == true)
        }
        await output.stop()
    }

    /// One place decides: under the threshold is `no_match` and a near tie is `clarify`, both written
    /// without asking the model; the retriever's selection travels as diagnostics.
    @Test func noMatchAndClarifyAreDecidedBeforeAnyModel() async throws {
        let harness = try StageHarness()
        let output = try harness.reader([Topics.answers])
        let model = RecordingChatModel(failFirst: 0, retriable: true)
        var configuration = ResponderConfiguration()
        configuration.noMatchAnswer = "No idea, sorry."
        let service = ResponderService(
            consumer: try harness.consumer(group: "responder", topics: [Topics.retrievals]), publisher: harness.publisher, model: model,
            readiness: Readiness(), configuration: configuration, logger: harness.logger
        )
        var scoring = AnswerScoring()
        scoring.noMatchThreshold = 0.5
        scoring.clarifyMargin = 0.05
        let selector = AnswerSelector(scoring: scoring)
        func event(_ id: String, _ matches: [RetrievedMatch]) -> ContextRetrieved {
            let question = StageHarness.question("What?", id: id, deadlineIn: 30)
            let selection = selector.select(question: "What?", vector: [], candidates: matches, models: [:], topK: 3)
            return ContextRetrieved(question: question, matches: selection.groundingMatches, embeddingModel: "m", timings: StageTimings(), selection: selection)
        }
        func match(_ id: String, _ score: Double) -> RetrievedMatch {
            RetrievedMatch(id: id, namespace: "n", score: score, question: "Question \(id)?", answer: "Answer \(id).", context: "", source: "k")
        }
        try await harness.running(service) {
            try await harness.publisher.publish(event("weak", [match("a", 0.3)]), type: EventTypes.contextRetrieved, topic: Topics.retrievals, key: "weak", trace: .random())
            try await harness.publisher.publish(event("tie", [match("a", 0.80), match("b", 0.78)]), type: EventTypes.contextRetrieved, topic: Topics.retrievals, key: "tie", trace: .random())
            try await waitUntil("two answers") { output.all.count >= 2 }
            let answers = try output.all.map { try EventCoding.decode(AnswerReady.self, from: $0.value) }
            let weak = try #require(answers.first { $0.id == "weak" })
            #expect(weak.status == .noMatch && weak.answer == "No idea, sorry." && weak.references.isEmpty)
            #expect(weak.diagnostics?.decision == .noMatch && weak.diagnostics?.threshold == 0.5)
            let tie = try #require(answers.first { $0.id == "tie" })
            #expect(tie.status == .clarify)
            #expect(tie.answer == #"Did you mean "Question a?" or "Question b?"?"#)
            #expect(tie.references.map(\.id) == ["a", "b"])
            #expect(await model.requests.isEmpty, "the model is asked only when there is an answer to ground on")
        }
        await output.stop()
    }

    @Test func permanentFailureAndExpiryGiveExplicitAnswers() async throws {
        let harness = try StageHarness()
        let output = try harness.reader([Topics.answers])
        let model = RecordingChatModel(failFirst: 1, retriable: false)
        let service = ResponderService(consumer: try harness.consumer(group: "responder", topics: [Topics.retrievals]), publisher: harness.publisher, model: model, readiness: Readiness(), logger: harness.logger)
        try await harness.running(service) {
            try await harness.publisher.publish(retrieved("late", deadlineIn: -1), type: EventTypes.contextRetrieved, topic: Topics.retrievals, key: "late", trace: .random())
            try await waitUntil("the expired answer") { output.all.count >= 1 }
            try await harness.publisher.publish(retrieved("bad"), type: EventTypes.contextRetrieved, topic: Topics.retrievals, key: "bad", trace: .random())
            try await waitUntil("two answers") { output.all.count >= 2 }
            let answers = try output.all.map { try EventCoding.decode(AnswerReady.self, from: $0.value) }
            #expect(answers.first { $0.id == "late" }?.status == .expired)
            let failed = answers.first { $0.id == "bad" }
            #expect(failed?.status == .failed)
            #expect(failed?.error?.contains("400 bad request") == true)
            #expect(await model.requests.count == 1, "an expired question must not reach the model")
        }
        await output.stop()
    }
}
