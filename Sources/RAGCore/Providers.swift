import Foundation

/// What a text is embedded as: some models embed questions and passages differently (E5's prefixes).
public enum EmbeddingKind: Sendable, Hashable {
    case query
    case passage
}

/// Turns texts into vectors (DESIGN 7: MiniLM in-process, Pinecone Inference, OpenAI-compatible).
public protocol Embedder: Sendable {
    var modelID: String { get }
    var dimensions: Int { get }
    /// One vector per text, in order. Vectors are L2-normalised.
    func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]]
}

/// What the index stores with each vector, so that a query alone can answer.
public struct IndexEntry: Sendable, Hashable {
    public var id: String
    public var namespace: String
    public var vector: [Float]
    public var question: String
    public var answer: String
    public var context: String
    /// Object key of the file the entry came from.
    public var source: String
    /// The vector's own id: the entry's id for its question, `<id>#alt-<n>` for its n-th alternate question.
    public var vectorID: String
    /// The question this vector embeds (the entry's question, or one of its alternates).
    public var matchedQuestion: String
    /// The knowledge line's fields that Ragline does not interpret (`KnowledgeRecord.extra`), kept so that
    /// `ragline export` writes the entry back with them. Empty for entries written before it was kept.
    public var metadata: [String: JSONValue]

    public init(
        id: String, namespace: String, vector: [Float], question: String, answer: String, context: String, source: String,
        vectorID: String? = nil, matchedQuestion: String? = nil, metadata: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.namespace = namespace
        self.vector = vector
        self.question = question
        self.answer = answer
        self.context = context
        self.source = source
        self.vectorID = vectorID ?? id
        self.matchedQuestion = matchedQuestion ?? question
        self.metadata = metadata
    }

    /// The id of the vector of an entry's n-th alternate question (n from 1).
    public static func alternateVectorID(entry id: String, number: Int) -> String {
        "\(id)#alt-\(number)"
    }
}

/// Stores knowledge vectors and finds the closest ones.
public protocol VectorIndex: Sendable {
    /// Inserts or replaces entries by (namespace, id).
    func upsert(_ entries: [IndexEntry]) async throws
    /// The `topK` entries closest to `vector`, best first; in `namespace` or, when nil, across all
    /// namespaces merged by score.
    func query(vector: [Float], topK: Int, namespace: String?) async throws -> [RetrievedMatch]
    /// Deletes the vectors that came from `source`, except those listed in `keeping` (namespace -> vector
    /// ids). Returns how many were deleted. This enforces "a file is the unit of truth".
    @discardableResult
    func deleteEntries(fromSource source: String, keeping: [String: Set<String>]) async throws -> Int
    func namespaces() async throws -> [String]
    /// Every vector of a namespace with its entry, for fitting the namespace's `KnowledgeModel`.
    func vectors(in namespace: String) async throws -> [KnowledgeVector]
    /// The namespaces holding vectors that came from `source` (whose models a change of it touches).
    func namespaces(holdingSource source: String) async throws -> Set<String>
    /// Every vector of a namespace as stored, with everything its entry was ingested with (source, matched
    /// question, metadata), ordered by vector id: what `ragline export` writes back out as knowledge lines.
    func entries(in namespace: String) async throws -> [IndexEntry]
}

extension VectorIndex {
    /// Without a cheap look-up by source, every namespace may hold some: refitting them all stays correct.
    public func namespaces(holdingSource source: String) async throws -> Set<String> {
        Set(try await namespaces())
    }

    /// An index that cannot list what it stores cannot be exported.
    public func entries(in namespace: String) async throws -> [IndexEntry] {
        throw ProviderError(
            provider: String(describing: type(of: self)),
            message: "this vector index cannot list its entries; ragline export supports the local index and Pinecone",
            isRetriable: false
        )
    }
}

/// A request to a chat model: the question and the retrieved entries, plus the prompt built from them.
public struct ChatRequest: Sendable, Hashable {
    public var question: String
    public var matches: [RetrievedMatch]
    public var messages: [ChatMessage]

    public init(question: String, matches: [RetrievedMatch], messages: [ChatMessage]) {
        self.question = question
        self.matches = matches
        self.messages = messages
    }
}

public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

public struct ChatResponse: Sendable, Hashable {
    public var status: AnswerStatus
    public var text: String
    public var references: [AnswerReference]
    public var usage: TokenUsage?

    public init(status: AnswerStatus, text: String, references: [AnswerReference], usage: TokenUsage? = nil) {
        self.status = status
        self.text = text
        self.references = references
        self.usage = usage
    }
}

/// Writes the answer (DESIGN 7: extractive locally, any OpenAI-compatible LLM in production).
public protocol ChatModel: Sendable {
    var modelID: String { get }
    func respond(to request: ChatRequest) async throws -> ChatResponse
    /// As `respond`, handing each piece of the text to `onText` as it is written. A model that cannot
    /// stream writes its whole text as one piece.
    func respond(to request: ChatRequest, onText: @Sendable (String) async throws -> Void) async throws -> ChatResponse
}

extension ChatModel {
    public func respond(to request: ChatRequest, onText: @Sendable (String) async throws -> Void) async throws -> ChatResponse {
        let response = try await respond(to: request)
        try await onText(response.text)
        return response
    }
}

/// Reads knowledge objects (a local folder, S3).
public protocol ObjectStore: Sendable {
    /// The object's lines, without line terminators, streamed so that large files are never held whole.
    func lines(of source: KnowledgeSource) -> AsyncThrowingStream<Substring, any Error>
}

/// An error from a provider, with whether retrying may help (429/5xx/timeouts) or not (401, bad request).
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    public let provider: String
    public let message: String
    public let isRetriable: Bool
    /// How long the server asked us to wait before retrying (`Retry-After`), if it said.
    public let retryAfter: Duration?

    public init(provider: String, message: String, isRetriable: Bool, retryAfter: Duration? = nil) {
        self.provider = provider
        self.message = message
        self.isRetriable = isRetriable
        self.retryAfter = retryAfter
    }

    public var description: String { "\(provider): \(message)" }
}

/// An object-event notification from a source other than the Kafka topic (an SQS queue).
public struct IngestNotification: Sendable {
    /// The source's id of the message, for logs and dead-letter headers.
    public var id: String
    /// The S3 event notification JSON.
    public var body: Data

    public init(id: String, body: Data) {
        self.id = id
        self.body = body
    }
}

/// Delivers object-event notifications until cancelled. A notification counts as done (and is removed
/// from the source) only when `handle` returns; if it throws, the source delivers it again later.
public protocol IngestEventSource: Sendable {
    func run(handle: @escaping @Sendable (IngestNotification) async throws -> Void) async throws
}

extension ProviderError {
    /// How every HTTP provider reads an error answer: 401/403 are permanent and name the key setting
    /// (unless the server says a quota ran out), 408, 409, 429 and 5xx are retriable after the server's
    /// `Retry-After` (seconds) when it gives one, anything else is permanent.
    public static func http(provider: String, status: Int, message: String, retryAfter: String? = nil, keySetting: String? = nil) -> ProviderError {
        switch status {
        case 401, 403:
            let hint = keySetting.map { message.uppercased().contains("QUOTA") ? "" : ". Check \($0)." } ?? ""
            return ProviderError(provider: provider, message: "HTTP \(status): \(message)\(hint)", isRetriable: false)
        case 408, 409, 429, 500...599:
            let delay = retryAfter.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.map { Duration.milliseconds(Int($0 * 1000)) }
            return ProviderError(provider: provider, message: "HTTP \(status): \(message)", isRetriable: true, retryAfter: delay)
        default:
            return ProviderError(provider: provider, message: "HTTP \(status): \(message)", isRetriable: false)
        }
    }
}
