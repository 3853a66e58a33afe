import Foundation
import Kafka
import Logging
import Messaging
import Metrics
import RAGCore
import ServiceLifecycle
import Synchronization
import Tracing

/// Consumes `rag.retrievals`, builds the prompt, asks the `ChatModel`, and publishes `rag.answers`.
public struct ResponderService: Service {
    let stage: ConsumingStage
    let model: any ChatModel
    let configuration: ResponderConfiguration
    let cache: AnswerCache?
    let answered = Counter(label: "ragline_responder_answers_total")
    let cacheHits = Counter(label: "ragline_answer_cache_hits_total")
    let cacheMisses = Counter(label: "ragline_answer_cache_misses_total")

    /// - Parameter cache: generated answers to serve again (nil: every answer is generated).
    public init(
        consumer: any RecordStream, publisher: EventPublisher, model: any ChatModel, readiness: Readiness, configuration: ResponderConfiguration = .init(),
        cache: AnswerCache? = nil, logger: Logger
    ) {
        self.stage = ConsumingStage(role: "responder", consumer: consumer, publisher: publisher, readiness: readiness, logger: logger)
        self.model = model
        self.configuration = configuration
        self.cache = cache
    }

    public func run() async throws {
        await stage.run { message in
            try await handle(message)
        }
    }

    func handle(_ message: KafkaConsumerMessage) async throws {
        guard let event = try await stage.publisher.decodeOrDeadLetter(
            message, as: ContextRetrieved.self, expectedType: EventTypes.contextRetrieved, stage: "responder.decode", logger: stage.logger
        ) else { return }
        let retrieved = event.payload
        let question = retrieved.question
        let answer = await answer(for: retrieved, trace: event.envelope.traceParent)
        try await stage.publisher.publish(answer, type: EventTypes.answerReady, topic: Topics.answers, key: question.id, trace: event.envelope.traceParent)
        answered.increment()
        stage.logger.debug("answer published", metadata: [LogKeys.questionID: "\(question.id)", LogKeys.status: "\(answer.status)"])
    }

    /// For events from a retriever that predates selection: its matches carry no scores to tell a tie from a
    /// win, so no `clarify`; the threshold is the configured one.
    var legacySelector: AnswerSelector {
        var scoring = configuration.scoring
        scoring.clarifyMargin = 0
        return AnswerSelector(scoring: scoring)
    }

    func answer(for retrieved: ContextRetrieved, trace: TraceParent = .random()) async -> AnswerReady {
        let question = retrieved.question
        guard question.deadline > Date() else {
            return AnswerReady.unanswered(question, status: .expired, reason: "deadline passed before generation", timings: retrieved.timings)
        }
        // One place decides (AnswerSelector): the retriever's decision, or the same selector over the
        // matches alone when the event carries none. The model is asked only when there is an answer.
        let selection = retrieved.selection ?? legacySelector.select(
            question: question.question, vector: [], candidates: retrieved.matches, models: [:], topK: question.topK
        )
        switch selection.decision {
        case .answered: break
        case .clarify: return decided(retrieved, selection: selection, text: Self.clarification(selection))
        default: return decided(retrieved, selection: selection, text: configuration.noMatchAnswer)
        }
        let matches = selection.groundingMatches
        let cacheKey = cache == nil ? nil : AnswerCache.key(question: question.question, model: model.modelID, grounding: matches)
        if let cacheKey, let cache {
            if let hit = cache.answer(for: cacheKey) {
                cacheHits.increment()
                return await cached(hit, for: retrieved, selection: selection, trace: trace)
            }
            cacheMisses.increment()
        }
        let request = ChatRequest(
            question: question.question, matches: matches,
            messages: PromptBuilder.messages(question: question.question, matches: matches)
        )
        let model = self.model
        // A streaming client gets the references at once, then the text as the model writes it.
        let deltas = question.stream == true ? AnswerDeltas(questionID: question.id, publisher: stage.publisher, trace: trace, logger: stage.logger) : nil
        await deltas?.send(AnswerDelta(questionID: question.id, sequence: 0, kind: .references, references: selection.references))
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let policy = RetryPolicy(maxAttempts: configuration.providerAttempts)
            let response = try await withSpan("generate") { span -> ChatResponse in
                span.attributes[SpanKeys.model] = model.modelID
                span.attributes[SpanKeys.genAIOperation] = "chat"
                let reply = try await policy.runProviderCall(deadline: question.deadline) {
                    try await model.respond(to: request) { text in await deltas?.sendText(text) }
                }
                span.attributes[SpanKeys.status] = reply.status.rawValue
                if let usage = reply.usage {
                    span.attributes[SpanKeys.inputTokens] = usage.promptTokens
                    span.attributes[SpanKeys.outputTokens] = usage.completionTokens
                }
                return reply
            }
            var timings = retrieved.timings
            timings.generationMilliseconds = (clock.now - start).milliseconds
            let now = Date()
            if let cacheKey, response.status == .answered {
                cache?.store(AnswerCache.Answer(text: response.text, references: Self.references(selection, response)), for: cacheKey)
            }
            return AnswerReady(
                id: question.id, status: response.status, answer: response.text, references: Self.references(selection, response),
                model: model.modelID, askedAt: question.askedAt, answeredAt: now, callbackURL: question.callbackURL,
                timings: timings.finished(askedAt: question.askedAt, at: now), usage: response.usage, diagnostics: AnswerDiagnostics(selection)
            )
        } catch {
            stage.logger.error("generation failed", metadata: [LogKeys.questionID: "\(question.id)", LogKeys.error: "\(error)"])
            let status: AnswerStatus = question.deadline <= Date() ? .expired : .failed
            return AnswerReady.unanswered(question, status: status, reason: "generation failed: \(error)", timings: retrieved.timings)
        }
    }

    /// A generated answer served again: streamed as one delta after its references, marked `cached`.
    func cached(_ hit: AnswerCache.Answer, for retrieved: ContextRetrieved, selection: AnswerSelection, trace: TraceParent) async -> AnswerReady {
        let question = retrieved.question
        if question.stream == true {
            let deltas = AnswerDeltas(questionID: question.id, publisher: stage.publisher, trace: trace, logger: stage.logger)
            await deltas.send(AnswerDelta(questionID: question.id, sequence: 0, kind: .references, references: selection.references))
            await deltas.sendText(hit.text)
        }
        let now = Date()
        var timings = retrieved.timings
        timings.generationMilliseconds = 0
        return AnswerReady(
            id: question.id, status: .answered, answer: hit.text, references: hit.references, model: model.modelID,
            askedAt: question.askedAt, answeredAt: now, callbackURL: question.callbackURL, timings: timings.finished(askedAt: question.askedAt, at: now),
            diagnostics: AnswerDiagnostics(selection), cached: true
        )
    }

    /// The chosen answer's entries first, then any other entry the model says it grounded on.
    static func references(_ selection: AnswerSelection, _ response: ChatResponse) -> [AnswerReference] {
        var references = selection.references
        for reference in response.references where !references.contains(where: {
            $0.id == reference.id && ($0.namespace == reference.namespace || $0.namespace == nil || reference.namespace == nil)
        }) {
            references.append(reference)
        }
        return references
    }

    /// An answer decided without a model (`no_match`, `clarify`).
    func decided(_ retrieved: ContextRetrieved, selection: AnswerSelection, text: String) -> AnswerReady {
        let question = retrieved.question
        let now = Date()
        return AnswerReady(
            id: question.id, status: selection.decision.status, answer: text, references: selection.references, model: nil,
            askedAt: question.askedAt, answeredAt: now, callbackURL: question.callbackURL, timings: retrieved.timings.finished(askedAt: question.askedAt, at: now),
            diagnostics: AnswerDiagnostics(selection)
        )
    }

    /// "Did you mean" over the candidate answers' best questions.
    static func clarification(_ selection: AnswerSelection) -> String {
        let questions = selection.references.map { "\"\($0.question)\"" }
        let listed = questions.count <= 2 ? questions.joined(separator: " or ") : questions.dropLast().joined(separator: ", ") + ", or " + questions.last!
        return "Did you mean \(listed)?"
    }
}

/// Publishes one streamed answer's deltas to `rag.answer.deltas`, numbered in order. Best effort: a delta
/// that cannot be published is logged and skipped, since the final `AnswerReady` carries the whole answer.
final class AnswerDeltas: Sendable {
    let questionID: String
    let publisher: EventPublisher
    let trace: TraceParent
    let logger: Logger
    private let next = Mutex(0)

    init(questionID: String, publisher: EventPublisher, trace: TraceParent, logger: Logger) {
        self.questionID = questionID
        self.publisher = publisher
        self.trace = trace
        self.logger = logger
    }

    func sendText(_ text: String) async {
        guard !text.isEmpty else { return }
        await send(AnswerDelta(questionID: questionID, sequence: 0, kind: .text, text: text))
    }

    func send(_ delta: AnswerDelta) async {
        var delta = delta
        delta.sequence = next.withLock { value in
            defer { value += 1 }
            return value
        }
        do {
            try await publisher.publish(delta, type: EventTypes.answerDelta, topic: Topics.answerDeltas, key: questionID, trace: trace)
        } catch {
            logger.warning("answer delta not published", metadata: [LogKeys.questionID: "\(questionID)", LogKeys.error: "\(error)"])
        }
    }
}
