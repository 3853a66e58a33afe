import Foundation
import Kafka
import LocalProviders
import Logging
import Messaging
import RAGCore
import ServiceLifecycle

/// An embedder that fails on cue: texts containing "permanent" fail for good, texts containing "flaky"
/// fail once with a retriable error and then succeed. Everything else is embedded lexically. Records calls.
public actor ScriptedEmbedder: Embedder {
    public nonisolated let modelID = "scripted"
    public nonisolated let dimensions = 512
    private let inner = LexicalEmbedder()
    private var flakyFailures: Set<String> = []
    public private(set) var calls = 0

    public init() {}

    public func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        calls += 1
        for text in texts {
            if text.contains("permanent") {
                throw ProviderError(provider: modelID, message: "401 Unauthorized: check the API key", isRetriable: false)
            }
            if text.contains("flaky") && !flakyFailures.contains(text) {
                flakyFailures.insert(text)
                throw ProviderError(provider: modelID, message: "503 model loading", isRetriable: true)
            }
        }
        return try await inner.embed(texts, kind: kind)
    }
}

/// A chat model that records its requests and answers from the best match, or fails on cue.
public actor RecordingChatModel: ChatModel {
    public nonisolated let modelID = "recording"
    public private(set) var requests: [ChatRequest] = []
    private var failuresLeft: Int
    private let retriable: Bool

    public init(failFirst failures: Int = 0, retriable: Bool = true) {
        failuresLeft = failures
        self.retriable = retriable
    }

    public func respond(to request: ChatRequest) async throws -> ChatResponse {
        requests.append(request)
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw ProviderError(provider: modelID, message: retriable ? "429 rate limited" : "400 bad request", isRetriable: retriable)
        }
        let best = request.matches.first
        return ChatResponse(
            status: best == nil ? .noMatch : .answered, text: best?.answer ?? "none",
            references: best.map { [AnswerReference(id: $0.id, question: $0.question)] } ?? [], usage: TokenUsage(promptTokens: 10, completionTokens: 5)
        )
    }
}

/// Runs one role's service on the in-memory bus (no librdkafka) and publishes test events to it.
public final class StageHarness: Sendable {
    public let bus = InMemoryBus()
    public let publisher: EventPublisher
    public let logger: Logger

    public init() throws {
        var logger = Logger(label: "stage-test")
        logger.logLevel = .critical
        self.logger = logger
        publisher = EventPublisher(producer: bus, source: "/test")
    }

    /// A reader of `topics` from their start; `group` only names it (every stream reads everything).
    public func consumer(group: String, topics: [String]) throws -> InMemoryRecordStream {
        bus.stream(topics: topics)
    }

    public func reader(_ topics: [String]) throws -> InMemoryTopicReader {
        InMemoryTopicReader(bus: bus, topics: topics)
    }

    /// Runs `service` while `body` runs, then shuts it down gracefully.
    public func running<T>(_ service: some Service, _ body: () async throws -> T) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        let task = Task { try await group.run() }
        return try await withAsyncCleanup({
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }, body)
    }

    public static func question(_ text: String, id: String = UUID().uuidString.lowercased(), deadlineIn seconds: TimeInterval = 30) -> QuestionAsked {
        QuestionAsked(id: id, question: text, namespace: nil, topK: 3, askedAt: Date(), deadline: Date().addingTimeInterval(seconds), callbackURL: nil)
    }
}
