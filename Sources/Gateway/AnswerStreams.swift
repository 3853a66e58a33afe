import Foundation
import Kafka
import Messaging
import RAGCore

/// The answers this gateway instance streams: each subscriber (a streaming request) gets the deltas of its
/// question as they arrive from `rag.answer.deltas`, then the final answer from `rag.answers`, which ends
/// its stream. A subscriber that goes away, or whose deadline passes, is dropped.
actor AnswerStreams {
    enum Event: Sendable {
        case delta(AnswerDelta)
        case answer(AnswerReady)
    }

    private var subscribers: [String: [UInt64: AsyncStream<Event>.Continuation]] = [:]
    private var nextToken: UInt64 = 0

    /// Subscribes to `id`'s events: before its question is published, so that nothing is missed.
    func subscribe(_ id: String) -> (token: UInt64, events: AsyncStream<Event>) {
        nextToken += 1
        let token = nextToken
        let (events, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(4_096))
        subscribers[id, default: [:]][token] = continuation
        return (token, events)
    }

    /// Ends one subscription (its request finished, went away or timed out).
    func unsubscribe(_ id: String, _ token: UInt64) {
        subscribers[id]?.removeValue(forKey: token)?.finish()
        if subscribers[id]?.isEmpty == true { subscribers[id] = nil }
    }

    func deliver(_ delta: AnswerDelta) {
        for continuation in subscribers[delta.questionID]?.values ?? [:].values {
            continuation.yield(.delta(delta))
        }
    }

    func deliver(_ answer: AnswerReady) {
        guard let waiting = subscribers.removeValue(forKey: answer.id) else { return }
        for continuation in waiting.values {
            continuation.yield(.answer(answer))
            continuation.finish()
        }
    }

    var count: Int { subscribers.values.reduce(0) { $0 + $1.count } }

    /// What the final answer adds to the text already streamed: deltas travel on their own topic, so the
    /// answer can overtake the last of them. Nil when nothing is left, or when the answer does not continue
    /// what was streamed (a retried generation): the `answer` event then carries the whole text.
    nonisolated static func remainder(of answer: String, after streamed: String) -> String? {
        let said = streamed.drop { $0.isWhitespace }
        guard answer.hasPrefix(said) else { return nil }
        let rest = String(answer.dropFirst(said.count))
        return rest.isEmpty ? nil : rest
    }
}

/// Reads `rag.answer.deltas` from now on into `AnswerStreams`. Part of `GatewayService`.
struct DeltaListener: Sendable {
    let consumer: any RecordStream
    let streams: AnswerStreams

    func run() async {
        for await message in consumer.messages {
            if case .success(let event) = IncomingEvent<AnswerDelta>.decode(message, expectedType: EventTypes.answerDelta) {
                await streams.deliver(event.payload)
            }
            consumer.markProcessed(message)
        }
    }
}
