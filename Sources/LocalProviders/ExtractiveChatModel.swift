import RAGCore

/// The embedded answer writer: the best entry's approved answer, verbatim, with its reference; below the
/// score threshold, a polite `no_match`. No text is generated, so nothing can be made up.
public struct ExtractiveChatModel: ChatModel {
    public let noMatchThreshold: Double
    public let noMatchAnswer: String
    public var modelID: String { "extractive" }

    public init(noMatchThreshold: Double, noMatchAnswer: String) {
        self.noMatchThreshold = noMatchThreshold
        self.noMatchAnswer = noMatchAnswer
    }

    public func respond(to request: ChatRequest) async throws -> ChatResponse {
        guard let best = request.matches.max(by: { $0.score < $1.score }), best.score >= noMatchThreshold else {
            return ChatResponse(status: .noMatch, text: noMatchAnswer, references: [])
        }
        return ChatResponse(
            status: .answered, text: best.answer,
            references: [AnswerReference(id: best.id, question: best.question, namespace: best.namespace, score: best.score)]
        )
    }
}
