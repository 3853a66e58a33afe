import Foundation
import Kafka
import Logging
import RAGCore
import Tracing

/// Publishes pipeline events as CloudEvents binary-mode Kafka records, and dead-letters records that
/// cannot be processed (DESIGN 4). Every call returns once the broker has acknowledged the record.
public struct EventPublisher: Sendable {
    public let producer: any RecordSink
    /// `ce_source` of everything this publisher writes, e.g. `/ragline/retriever`.
    public let source: String

    public init(producer: any RecordSink, source: String) {
        self.producer = producer
        self.source = source
    }

    /// Publishes `event` in a producer span ("<topic> publish"), a child of the current span. The record's
    /// `traceparent` is that span's context, so the consumer's span is its child; with tracing off it is
    /// `trace.child()`: the same trace with a new span id. With `waitingAtMost`, a broker that has not
    /// acknowledged the record by then makes it throw `KafkaError.Code.timedOut` (the record may still land).
    @discardableResult
    public func publish(
        _ event: some Encodable & Sendable, type: String, topic: String, key: String, subject: String? = nil, trace: TraceParent,
        partitioning: KafkaOutgoingRecord.Partitioning = .byKey, waitingAtMost limit: Duration? = nil
    ) async throws -> KafkaAcknowledgement {
        try await withSpan("\(topic) publish", ofKind: .producer) { span -> KafkaAcknowledgement in
            span.attributes[SpanKeys.messagingSystem] = "kafka"
            span.attributes[SpanKeys.messagingDestination] = topic
            span.attributes[SpanKeys.messagingOperationType] = "send"
            span.attributes[SpanKeys.kafkaMessageKey] = key
            let propagation = Self.traceContextHeaders(of: span)
            let injected = propagation.last(where: { $0.name == EventEnvelope.HeaderName.traceParent }).flatMap { TraceParent(parsing: $0.stringValue) }
            let envelope = EventEnvelope(type: type, source: source, subject: subject, traceParent: injected ?? trace.child())
            span.attributes[SpanKeys.messagingMessageID] = envelope.id
            let value = try EventCoding.encode(event)
            // `tracestate` (when there is one) travels next to the envelope's `traceparent`.
            var headers = envelope.headers.map { KafkaHeader(name: $0.name, string: $0.value) }
            headers.append(contentsOf: propagation.filter { $0.name != EventEnvelope.HeaderName.traceParent })
            let acknowledgement = try await producer.send(
                KafkaOutgoingRecord(topic: topic, key: Data(key.utf8), value: value, headers: headers, partitioning: partitioning), waitingAtMost: limit
            )
            span.attributes[SpanKeys.messagingPartition] = String(acknowledgement.partition)
            span.attributes[SpanKeys.kafkaOffset] = acknowledgement.offset
            return acknowledgement
        }
    }

    /// The trace-context headers the process-wide instrument writes for `span` (none with tracing off).
    static func traceContextHeaders(of span: any Span) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        InstrumentationSystem.instrument.inject(span.context, into: &headers, using: KafkaHeaderInjector())
        return headers
    }

    @discardableResult
    public func publishRaw(value: Data, topic: String, key: Data?, headers: [KafkaHeader]) async throws -> KafkaAcknowledgement {
        try await producer.send(KafkaOutgoingRecord(topic: topic, key: key, value: value, headers: headers))
    }

    /// Header names on dead-lettered records.
    public enum DeadLetterHeader {
        public static let reason = "ragline_dlq_reason"
        public static let stage = "ragline_dlq_stage"
        public static let attempts = "ragline_dlq_attempts"
        public static let sourceTopic = "ragline_dlq_source_topic"
        public static let sourcePartition = "ragline_dlq_source_partition"
        public static let sourceOffset = "ragline_dlq_source_offset"
        public static let file = "ragline_dlq_file"
        public static let line = "ragline_dlq_line"
    }

    /// Copies `message` unchanged to `<topic>.dlq` with the reason in headers.
    @discardableResult
    public func deadLetter(_ message: KafkaConsumerMessage, reason: String, stage: String, attempts: Int = 1) async throws -> KafkaAcknowledgement {
        var headers = message.headers
        headers.append(contentsOf: [
            KafkaHeader(name: DeadLetterHeader.reason, string: reason),
            KafkaHeader(name: DeadLetterHeader.stage, string: stage),
            KafkaHeader(name: DeadLetterHeader.attempts, string: String(attempts)),
            KafkaHeader(name: DeadLetterHeader.sourceTopic, string: message.topic),
            KafkaHeader(name: DeadLetterHeader.sourcePartition, string: String(message.partition)),
            KafkaHeader(name: DeadLetterHeader.sourceOffset, string: String(message.offset)),
        ])
        return try await publishRaw(value: message.value, topic: Topics.deadLetter(of: message.topic), key: message.key, headers: headers)
    }

    /// Dead-letters one bad line of a knowledge file: the line itself, keyed by the object key, with the
    /// file, line number and reason in headers.
    @discardableResult
    public func deadLetterLine(_ line: Substring, file: String, lineNumber: Int, reason: String, sourceTopic: String) async throws -> KafkaAcknowledgement {
        let headers = [
            KafkaHeader(name: DeadLetterHeader.reason, string: reason),
            KafkaHeader(name: DeadLetterHeader.stage, string: "ingest.parse"),
            KafkaHeader(name: DeadLetterHeader.attempts, string: "1"),
            KafkaHeader(name: DeadLetterHeader.sourceTopic, string: sourceTopic),
            KafkaHeader(name: DeadLetterHeader.file, string: file),
            KafkaHeader(name: DeadLetterHeader.line, string: String(lineNumber)),
            KafkaHeader(name: EventEnvelope.HeaderName.contentType, string: "application/x-ndjson"),
        ]
        return try await publishRaw(value: Data(line.utf8), topic: Topics.deadLetter(of: sourceTopic), key: Data(file.utf8), headers: headers)
    }
}
