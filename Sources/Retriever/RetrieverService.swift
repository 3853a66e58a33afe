import Foundation
import Kafka
import Logging
import Messaging
import Metrics
import RAGCore
import ServiceLifecycle
import Tracing

/// Consumes `rag.questions`, embeds each question, searches the index and publishes `rag.retrievals`.
public struct RetrieverService: Service {
    let stage: ConsumingStage
    let embedder: any Embedder
    let index: any VectorIndex
    let configuration: RetrieverConfiguration
    let models: KnowledgeModels
    let processed = Counter(label: "ragline_retriever_questions_total")
    let latency = Timer(label: "ragline_retriever_seconds")

    public init(
        consumer: any RecordStream, publisher: EventPublisher, embedder: any Embedder, index: any VectorIndex, models: KnowledgeModels = KnowledgeModels(),
        readiness: Readiness, configuration: RetrieverConfiguration = .init(), logger: Logger
    ) {
        self.stage = ConsumingStage(role: "retriever", consumer: consumer, publisher: publisher, readiness: readiness, logger: logger)
        self.embedder = embedder
        self.index = index
        self.models = models
        self.configuration = configuration
    }

    public func run() async throws {
        // A new instance answers with the latest knowledge models, not the fallbacks: questions wait (and
        // `/readyz` says 503) until the models published before the start are read, or for at most the limit.
        if await !models.waitUntilCaughtUp(within: configuration.modelsWaitLimit) {
            stage.logger.warning("knowledge models not read in time; answering with fallback thresholds until they arrive")
        }
        await stage.run { message in
            try await handle(message)
        }
    }

    func handle(_ message: KafkaConsumerMessage) async throws {
        guard let event = try await stage.publisher.decodeOrDeadLetter(
            message, as: QuestionAsked.self, expectedType: EventTypes.questionAsked, stage: "retriever.decode", logger: stage.logger
        ) else { return }
        let question = event.payload
        let trace = event.envelope.traceParent
        var logger = stage.logger
        logger[metadataKey: LogKeys.questionID] = "\(question.id)"

        guard question.deadline > Date() else {
            try await publishAnswer(AnswerReady.unanswered(question, status: .expired, reason: "deadline passed before retrieval"), trace: trace)
            return
        }

        let outcome: Result<ContextRetrieved, any Error>
        do {
            outcome = .success(try await retrieve(question))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let retrieved):
            // Batched like the questions: a retrieval needs no order after any other (one per question; a
            // repeat after a crash is answered again either way), so the key need not pick its partition.
            try await stage.publisher.publish(
                retrieved, type: EventTypes.contextRetrieved, topic: Topics.retrievals, key: question.id, trace: trace, partitioning: .batched
            )
            processed.increment()
            logger.debug("context retrieved", metadata: ["matches": "\(retrieved.matches.count)", "best": "\(retrieved.matches.first?.score ?? 0)"])
        case .failure(let error):
            let expired = question.deadline <= Date()
            logger.error("retrieval failed", metadata: [LogKeys.error: "\(error)"])
            try await publishAnswer(
                AnswerReady.unanswered(question, status: expired ? .expired : .failed, reason: "retrieval failed: \(error)"), trace: trace
            )
        }
    }

    func retrieve(_ question: QuestionAsked) async throws -> ContextRetrieved {
        let clock = ContinuousClock()
        let policy = RetryPolicy(maxAttempts: configuration.providerAttempts)
        let embedder = self.embedder
        let index = self.index

        let embedStart = clock.now
        let vector = try await withSpan("embed") { span -> [Float] in
            span.attributes[SpanKeys.model] = embedder.modelID
            span.attributes[SpanKeys.genAIOperation] = "embeddings"
            let vectors = try await policy.runProviderCall(deadline: question.deadline) {
                try await embedder.embed([question.question], kind: .query)
            }
            guard let first = vectors.first else { throw ProviderError(provider: embedder.modelID, message: "embedder returned no vector", isRetriable: false) }
            return first
        }
        let embedTime = clock.now - embedStart

        let searchStart = clock.now
        let candidateCount = max(question.topK, configuration.scoring.candidates)
        let candidates = try await withSpan("search") { span -> [RetrievedMatch] in
            span.attributes[SpanKeys.topK] = candidateCount
            if let namespace = question.namespace { span.attributes[SpanKeys.namespace] = namespace }
            let found = try await policy.runProviderCall(deadline: question.deadline) {
                try await index.query(vector: vector, topK: candidateCount, namespace: question.namespace)
            }
            span.attributes[SpanKeys.candidates] = found.count
            return found
        }
        let selector = AnswerSelector(scoring: configuration.scoring)
        let models = self.models
        let selection = await withSpan("select answer") { span -> AnswerSelection in
            let namespaceModels = await models.models(for: Set(candidates.map(\.namespace)))
            let chosen = selector.select(question: question.question, vector: vector, candidates: candidates, models: namespaceModels, topK: question.topK)
            span.attributes[SpanKeys.decision] = chosen.decision.rawValue
            return chosen
        }
        let searchTime = clock.now - searchStart
        latency.recordNanoseconds(Int64((embedTime + searchTime).milliseconds * 1_000_000))
        return ContextRetrieved(
            question: question, matches: selection.groundingMatches, embeddingModel: embedder.modelID,
            timings: StageTimings(embeddingMilliseconds: embedTime.milliseconds, searchMilliseconds: searchTime.milliseconds),
            selection: selection
        )
    }

    func publishAnswer(_ answer: AnswerReady, trace: TraceParent) async throws {
        try await stage.publisher.publish(answer, type: EventTypes.answerReady, topic: Topics.answers, key: answer.id, trace: trace)
    }
}
