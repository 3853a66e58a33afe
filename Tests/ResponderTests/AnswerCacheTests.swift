import Foundation
import Messaging
import RAGCore
import RaglineTestSupport
import Responder
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct AnswerCacheTests {
    static func entry(_ id: String, answer: String = "Approved answer.") -> RetrievedMatch {
        RetrievedMatch(id: id, namespace: "n", score: 0.9, question: "Q \(id)", answer: answer, context: "ctx", source: "k")
    }

    @Test func theSameQuestionWordedDifferentlyInCaseSpacingOrEndIsOneKey() {
        let grounding = [Self.entry("e1")]
        let key = AnswerCache.key(question: "How do I pay?", model: "m", grounding: grounding)
        #expect(AnswerCache.key(question: "  how do  I PAY ", model: "m", grounding: grounding) == key)
        #expect(AnswerCache.key(question: "How do I pay online?", model: "m", grounding: grounding) != key)
        #expect(AnswerCache.key(question: "How do I pay?", model: "other", grounding: grounding) != key)
    }

    @Test func anEntryThatChangesOrGoesMatchesNoCachedAnswer() {
        let cache = AnswerCache(capacity: 10, ttl: .seconds(60))
        let key = AnswerCache.key(question: "q", model: "m", grounding: [Self.entry("e1"), Self.entry("e2")])
        cache.store(.init(text: "generated", references: []), for: key)
        #expect(cache.answer(for: key)?.text == "generated")
        #expect(cache.answer(for: AnswerCache.key(question: "q", model: "m", grounding: [Self.entry("e1", answer: "Edited."), Self.entry("e2")])) == nil)
        #expect(cache.answer(for: AnswerCache.key(question: "q", model: "m", grounding: [Self.entry("e1")])) == nil)
    }

    @Test func answersExpireAndTheOldestGoBeyondTheBound() {
        let cache = AnswerCache(capacity: 2, ttl: .seconds(60))
        let start = ContinuousClock.now
        cache.store(.init(text: "a", references: []), for: "a", now: start)
        #expect(cache.answer(for: "a", now: start + .seconds(59)) != nil)
        #expect(cache.answer(for: "a", now: start + .seconds(61)) == nil)
        cache.store(.init(text: "b", references: []), for: "b", now: start)
        cache.store(.init(text: "c", references: []), for: "c", now: start)
        cache.store(.init(text: "d", references: []), for: "d", now: start)
        #expect(cache.count == 2)
        #expect(cache.answer(for: "b", now: start) == nil)
        #expect(cache.answer(for: "d", now: start)?.text == "d")
    }

    /// Through the responder: the second ask of a question is not generated again and says so; after its
    /// entry changes, the model is asked again.
    @Test func theResponderGeneratesARepeatedQuestionOnceUntilItsEntryChanges() async throws {
        let harness = try StageHarness()
        let output = try harness.reader([Topics.answers])
        let model = RecordingChatModel(failFirst: 0, retriable: true)
        let service = ResponderService(
            consumer: try harness.consumer(group: "responder", topics: [Topics.retrievals]), publisher: harness.publisher, model: model,
            readiness: Readiness(), cache: AnswerCache(capacity: 100, ttl: .seconds(60)), logger: harness.logger
        )
        func ask(_ id: String, _ text: String, answer: String = "Approved answer.") async throws {
            let event = ContextRetrieved(
                question: StageHarness.question(text, id: id, deadlineIn: 30), matches: [Self.entry("e1", answer: answer)], embeddingModel: "m", timings: StageTimings()
            )
            try await harness.publisher.publish(event, type: EventTypes.contextRetrieved, topic: Topics.retrievals, key: id, trace: .random())
        }
        func answer(_ id: String) async throws -> AnswerReady {
            try await waitUntil("the answer to \(id)") { output.all.contains { $0.key.map { String(decoding: $0, as: UTF8.self) } == id } }
            return try EventCoding.decode(AnswerReady.self, from: try #require(output.all.first { $0.key.map { String(decoding: $0, as: UTF8.self) } == id }).value)
        }
        try await harness.running(service) {
            try await ask("q1", "How do I pay?")
            let first = try await answer("q1")
            try await ask("q2", "how do I pay")
            let second = try await answer("q2")
            #expect(first.cached == nil && second.cached == true)
            #expect(second.status == .answered && second.answer == first.answer && second.references == first.references)
            #expect(await model.requests.count == 1)

            try await ask("q3", "How do I pay?", answer: "Edited approved answer.")
            let third = try await answer("q3")
            #expect(third.cached == nil)
            #expect(await model.requests.count == 2)
        }
        await output.stop()
    }
}
