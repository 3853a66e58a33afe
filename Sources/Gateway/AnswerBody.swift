import Foundation
import RAGCore

/// The answer as clients see it (sync reply, poll, callback): the original
/// `{"answer", "references": [{"id", "question"}]}` plus id, status, scores and stage timings.
public struct AnswerBody: Codable, Sendable, Hashable {
    public var id: String
    public var status: AnswerStatus
    public var answer: String?
    public var references: [AnswerReference]
    public var model: String?
    public var askedAt: Date?
    public var answeredAt: Date?
    public var timings: StageTimings?
    public var usage: TokenUsage?
    public var error: String?
    /// How the answer was chosen: decision, reason, threshold, candidate scores.
    public var diagnostics: AnswerDiagnostics?
    /// True when a generated answer came from the responder's cache.
    public var cached: Bool?

    public init(_ answer: AnswerReady) {
        id = answer.id
        status = answer.status
        self.answer = answer.answer
        references = answer.references
        model = answer.model
        askedAt = answer.askedAt
        answeredAt = answer.answeredAt
        timings = answer.timings
        usage = answer.usage
        error = answer.error
        diagnostics = answer.diagnostics
        cached = answer.cached
    }

    public static func pending(id: String) -> AnswerBody {
        AnswerBody(id: id)
    }

    private init(id: String) {
        self.id = id
        status = .pending
        references = []
    }

    enum CodingKeys: String, CodingKey {
        case id, status, answer, references, model, askedAt = "asked_at", answeredAt = "answered_at", timings, usage, error, diagnostics, cached
    }
}
