import Kafka
import RAGCore
import Tracing

extension ConsumerLoop {
    /// Runs `body` in a consumer span "<topic> process", a child of `parent` (the producer's span, read from
    /// the record's headers). A thrown error is recorded on the span and rethrown.
    static func withProcessSpan(
        _ message: KafkaConsumerMessage, parent: ServiceContext, attempt: Int, _ body: () async throws -> Void
    ) async throws {
        try await withSpan("\(message.topic) process", context: parent, ofKind: .consumer) { span in
            span.attributes[SpanKeys.messagingSystem] = "kafka"
            span.attributes[SpanKeys.messagingDestination] = message.topic
            span.attributes[SpanKeys.messagingOperationType] = "process"
            span.attributes[SpanKeys.messagingPartition] = String(message.partition)
            span.attributes[SpanKeys.kafkaOffset] = message.offset
            if let key = message.keyString { span.attributes[SpanKeys.kafkaMessageKey] = key }
            if let id = message.header(EventEnvelope.HeaderName.id) { span.attributes[SpanKeys.messagingMessageID] = id }
            span.attributes[SpanKeys.attempt] = attempt
            try await body()
        }
    }
}
