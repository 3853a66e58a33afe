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
                    store.record(event.payload)
                    await streams.deliver(event.payload)
                }
            case Topics.questions:
                // Every question any gateway publishes comes by here, so only its id (the record key) and
                // its CloudEvents type are read; neither the body nor the other attributes are decoded.
                if let id = message.keyString, !id.isEmpty, message.header(EventEnvelope.HeaderName.type) == EventTypes.questionAsked {
                    store.recordPending(id)
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
