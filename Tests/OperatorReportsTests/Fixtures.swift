import Foundation
import OperatorReports
import RAGCore

/// A fixed instant, whole seconds, so that dates survive the events' millisecond coding.
let t0 = Date(timeIntervalSince1970: 1_764_000_000)

/// An embedder that knows a fixed set of questions: each maps to a topic axis, paraphrases lean a little
/// towards a second axis, so that the test decides exactly which questions mean the same thing.
struct TopicEmbedder: Embedder {
    let modelID = "test-topics"
    let dimensions = 12
    /// Question -> (topic axis, second axis, weight of the second).
    let table: [String: (Int, Int, Float)]

    struct Unknown: Error {}

    func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        try texts.map { text in
            guard let entry = table[text] else { throw Unknown() }
            let (axis, other, weight) = entry
            var vector = [Float](repeating: 0, count: dimensions)
            vector[axis] = 1
            vector[other] += weight
            return VectorMath.normalized(vector)
        }
    }
}

/// An embedder that always fails, as a hosted one without network would.
struct FailingEmbedder: Embedder {
    let modelID = "failing"
    let dimensions = 3
    struct Down: Error {}
    func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] { throw Down() }
}

/// Records as the topics would hold them: CloudEvents type in `eventType`, the payload as the services
/// encode it.
enum Records {
    static func question(_ id: String, _ text: String, namespace: String? = nil, at offset: TimeInterval = 0) -> ReportRecord {
        let asked = QuestionAsked(
            id: id, question: text, namespace: namespace, topK: 3, askedAt: t0.addingTimeInterval(offset),
            deadline: t0.addingTimeInterval(offset + 30), callbackURL: nil
        )
        return ReportRecord(topic: Topics.questions, key: id, value: try! EventCoding.encode(asked), eventType: EventTypes.questionAsked)
    }

    /// An answer with diagnostics: the candidates `(id, namespace, confidence)` best first, each with a fused
    /// score a little under its confidence.
    static func answer(
        _ id: String, status: AnswerStatus, threshold: Double = 0.5, candidates: [(String, String, Double)] = [],
        references: [AnswerReference] = [], at offset: TimeInterval = 0
    ) -> ReportRecord {
        let decision: AnswerDecision = status == .noMatch ? .noMatch : status == .clarify ? .clarify : .answered
        let answers = candidates.map { id, namespace, confidence in
            ScoredAnswer(
                namespace: namespace, groupKey: id, score: confidence - 0.01, dense: confidence, lexical: 0, classifier: nil,
                entries: [RetrievedMatch(id: id, namespace: namespace, score: confidence, question: "entry \(id)", answer: "a", context: "", source: "k")]
            )
        }
        let selection = AnswerSelection(decision: decision, reason: "test", threshold: threshold, thresholdSource: "override", answers: answers)
        let ready = AnswerReady(
            id: id, status: status, answer: "text", references: references, model: nil, askedAt: t0.addingTimeInterval(offset),
            answeredAt: t0.addingTimeInterval(offset + 1), callbackURL: nil, timings: StageTimings(), diagnostics: AnswerDiagnostics(selection)
        )
        return ReportRecord(topic: Topics.answers, key: id, value: try! EventCoding.encode(ready), eventType: EventTypes.answerReady)
    }

    /// An answer without diagnostics, as a stage that gave up publishes it.
    static func plainAnswer(_ id: String, status: AnswerStatus, references: [AnswerReference] = [], at offset: TimeInterval = 0) -> ReportRecord {
        let ready = AnswerReady(
            id: id, status: status, answer: "text", references: references, model: nil, askedAt: t0.addingTimeInterval(offset),
            answeredAt: t0.addingTimeInterval(offset + 1), callbackURL: nil, timings: StageTimings()
        )
        return ReportRecord(topic: Topics.answers, key: id, value: try! EventCoding.encode(ready), eventType: EventTypes.answerReady)
    }

    static func feedback(
        _ id: String, _ rating: FeedbackGiven.Rating, comment: String? = nil, status: AnswerStatus = .answered,
        references: [AnswerReference], at offset: TimeInterval = 10
    ) -> ReportRecord {
        let given = FeedbackGiven(questionID: id, rating: rating, comment: comment, status: status, references: references, givenAt: t0.addingTimeInterval(offset))
        return ReportRecord(topic: Topics.feedback, key: id, value: try! EventCoding.encode(given), eventType: EventTypes.feedbackGiven)
    }

    /// A retrieval whose match for `entry` came through the vector of `matchedQuestion`.
    static func retrieval(_ id: String, _ text: String, entry: AnswerReference, matchedQuestion: String) -> ReportRecord {
        let asked = QuestionAsked(id: id, question: text, namespace: nil, topK: 3, askedAt: t0, deadline: t0.addingTimeInterval(30), callbackURL: nil)
        let match = RetrievedMatch(
            id: entry.id, namespace: entry.namespace ?? "", score: 0.8, question: entry.question, answer: "a", context: "", source: "k",
            vectorID: entry.id + "#alt-1", matchedQuestion: matchedQuestion
        )
        let retrieved = ContextRetrieved(question: asked, matches: [match], embeddingModel: "test", timings: StageTimings())
        return ReportRecord(topic: Topics.retrievals, key: id, value: try! EventCoding.encode(retrieved), eventType: EventTypes.contextRetrieved)
    }

    static func reference(_ id: String, namespace: String = "transport", question: String? = nil) -> AnswerReference {
        AnswerReference(id: id, question: question ?? "entry \(id)", namespace: namespace, score: 0.8)
    }
}
