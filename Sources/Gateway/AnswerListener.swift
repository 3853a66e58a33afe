import Foundation
import Kafka
import Logging
import Messaging
import RAGCore
import ServiceLifecycle

/// Reads every question and answer published from now on into this instance's `AnswerStore`, so that
/// any gateway instance can answer a poll and wake a waiting `/v1/chat` request.
public struct AnswerListener: Service {
    let consumer: KafkaConsumer
    let store: AnswerStore
    let logger: Logger

    public init(consumer: KafkaConsumer, store: AnswerStore, logger: Logger) {
        self.consumer = consumer
        self.store = store
        self.logger = logger
    }

    /// Whether partitions are assigned, so that answers published from now on will be seen.
    public var isListening: Bool {
        consumer.assignment.contains { $0.topic == Topics.answers }
    }

    public func run() async throws {
        for await message in consumer.messages.cancelOnGracefulShutdown() {
            switch message.topic {
            case Topics.answers:
                if case .success(let event) = IncomingEvent<AnswerReady>.decode(message, expectedType: EventTypes.answerReady) {
                    await store.record(event.payload)
                }
            case Topics.questions:
                if case .success(let event) = IncomingEvent<QuestionAsked>.decode(message, expectedType: EventTypes.questionAsked) {
                    await store.recordPending(event.payload.id, askedAt: event.payload.askedAt)
                }
            default:
                break
            }
            // Malformed records are the consuming roles' to dead-letter; the listener only skips them.
            consumer.markProcessed(message)
        }
        await consumer.shutdown()
    }
}
