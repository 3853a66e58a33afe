import Foundation
import Kafka
import Logging
import Messaging
import Metrics
import RAGCore
import ServiceLifecycle

/// Settings of the Responder role.
public struct ResponderConfiguration: Sendable {
    /// Attempts per model call when it fails transiently (always within the deadline).
    public var providerAttempts = 4

    public init() {}
}

/// Consumes `rag.retrievals`, builds the prompt, asks the `ChatModel`, and publishes `rag.answers`.
public struct ResponderService: Service {
    let stage: ConsumingStage
    let model: any ChatModel
    let configuration: ResponderConfiguration
    let answered = Counter(label: "ragline_responder_answers_total")

    public init(consumer: KafkaConsumer, publisher: EventPublisher, model: any ChatModel, readiness: Readiness, configuration: ResponderConfiguration = .init(), logger: Logger) {
        self.stage = ConsumingStage(role: "responder", consumer: consumer, publisher: publisher, readiness: readiness, logger: logger)
        self.model = model
        self.configuration = configuration
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
        let answer = await answer(for: retrieved)
        try await stage.publisher.publish(answer, type: EventTypes.answerReady, topic: Topics.answers, key: question.id, trace: event.envelope.traceParent)
        answered.increment()
        stage.logger.debug("answer published", metadata: [LogKeys.questionID: "\(question.id)", LogKeys.status: "\(answer.status)"])
    }

    func answer(for retrieved: ContextRetrieved) async -> AnswerReady {
        let question = retrieved.question
        guard question.deadline > Date() else {
            return AnswerReady.unanswered(question, status: .expired, reason: "deadline passed before generation", timings: retrieved.timings)
        }
        let request = ChatRequest(
            question: question.question, matches: retrieved.matches,
            messages: PromptBuilder.messages(question: question.question, matches: retrieved.matches)
        )
        let model = self.model
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await RetryPolicy(maxAttempts: configuration.providerAttempts).runProviderCall(deadline: question.deadline) {
                try await model.respond(to: request)
            }
            var timings = retrieved.timings
            timings.generationMilliseconds = (clock.now - start).milliseconds
            let now = Date()
            timings.pipelineMilliseconds = now.timeIntervalSince(question.askedAt) * 1000
            return AnswerReady(
                id: question.id, status: response.status, answer: response.text, references: response.references,
                model: model.modelID, askedAt: question.askedAt, answeredAt: now, callbackURL: question.callbackURL,
                timings: timings, usage: response.usage
            )
        } catch {
            stage.logger.error("generation failed", metadata: [LogKeys.questionID: "\(question.id)", LogKeys.error: "\(error)"])
            let status: AnswerStatus = question.deadline <= Date() ? .expired : .failed
            return AnswerReady.unanswered(question, status: status, reason: "generation failed: \(error)", timings: retrieved.timings)
        }
    }
}
