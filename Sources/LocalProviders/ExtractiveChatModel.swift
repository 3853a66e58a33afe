import RAGCore

/// The embedded answer writer: the best entry's approved answer, verbatim, with its reference. No text is
/// generated, so nothing can be made up. `AnswerSelector` has already decided that there is an answer;
/// the matches arrive best answer first.
public struct ExtractiveChatModel: ChatModel {
    public var modelID: String { "extractive" }

    public init() {}

    public func respond(to request: ChatRequest) async throws -> ChatResponse {
        guard let best = request.matches.first else {
            throw ProviderError(provider: modelID, message: "asked to answer without any entry to answer from", isRetriable: false)
        }
        return ChatResponse(status: .answered, text: best.answer, references: [best.reference])
    }
}
