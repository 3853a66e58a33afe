import Foundation
import Kafka
import Logging
import Messaging
import RAGCore

/// Reads every question and answer of the async deadline window, then live, into this instance's
/// `AnswerStore`, so that any gateway instance, new or restarted, can answer a poll and wake a waiting
/// `/v1/chat` request. Part of `GatewayService`, which stops it (by shutting its stream down) only once
/// the HTTP server has drained its requests.
struct AnswerListener: Sendable {
    let consumer: any RecordStream
    let store: AnswerStore
    let catchUp: CatchUp
    let streams: AnswerStreams

    /// Reads until the stream shuts down.
    func run() async {
        for await message in consumer.messages {
            switch message.topic {
            case Topics.answers:
                if case .success(let event) = IncomingEvent<AnswerReady>.decode(message, expectedType: EventTypes.answerReady) {
                    await store.record(event.payload)
                    await streams.deliver(event.payload)
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
            catchUp.consumed(message)
        }
    }
}
