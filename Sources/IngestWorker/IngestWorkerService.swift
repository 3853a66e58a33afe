import Foundation
import Kafka
import Logging
import Messaging
import Metrics
import RAGCore
import ServiceLifecycle

/// Consumes S3-style object events from `rag.ingest.events` and applies them to the index. Bad lines and
/// malformed events are logged, counted and dead-lettered to `rag.ingest.events.dlq`.
public struct IngestWorkerService: Service {
    let stage: ConsumingStage
    let ingestor: KnowledgeIngestor
    let rejectedLines = Counter(label: "ragline_ingest_rejected_lines_total")
    let acceptedLines = Counter(label: "ragline_ingest_accepted_lines_total")
    let objects = Counter(label: "ragline_ingest_objects_total")

    public init(consumer: KafkaConsumer, publisher: EventPublisher, ingestor: KnowledgeIngestor, readiness: Readiness, logger: Logger) {
        self.stage = ConsumingStage(role: "ingest-worker", consumer: consumer, publisher: publisher, readiness: readiness, logger: logger)
        self.ingestor = ingestor
    }

    public func run() async throws {
        await stage.run { message in
            try await handle(message)
        }
    }

    func handle(_ message: KafkaConsumerMessage) async throws {
        let events: [ObjectEvent]
        do {
            events = try ObjectEventDecoder.decode(message.value)
        } catch {
            let reason = (error as? ObjectEventDecodingError)?.reason ?? "\(error)"
            stage.logger.error("malformed object event dead-lettered", metadata: ["reason": "\(reason)", "kafka.offset": "\(message.offset)"])
            try await stage.publisher.deadLetter(message, reason: reason, stage: "ingest.decode")
            return
        }
        if events.isEmpty {
            stage.logger.debug("event without object changes skipped (s3:TestEvent or other)")
        }
        for event in events {
            try await apply(event, message: message)
        }
    }

    func apply(_ event: ObjectEvent, message: KafkaConsumerMessage) async throws {
        var logger = stage.logger
        logger[metadataKey: LogKeys.objectKey] = "\(event.key)"
        guard event.source.isKnowledgeFile else {
            logger.info("object is not a .jsonl knowledge file; skipped")
            return
        }
        let report: IngestReport
        switch event.kind {
        case .removed:
            report = try await ingestor.remove(event.source)
        case .created:
            do {
                let publisher = stage.publisher
                let rejectedLines = self.rejectedLines
                report = try await ingestor.ingest(event.source) { [logger] line, error in
                    logger.warning("knowledge line rejected", metadata: ["line": "\(error.line)", "reason": "\(error.reason)"])
                    rejectedLines.increment()
                    try await stage.publisher.deadLetterLine(line, file: event.key, lineNumber: error.line, reason: error.reason, sourceTopic: message.topic)
                }
            } catch let error as ProviderError where !error.isRetriable {
                // The object cannot be read or embedded, and retrying will not change that: record the event.
                logger.error("object could not be ingested; event dead-lettered", metadata: [LogKeys.error: "\(error)"])
                try await stage.publisher.deadLetter(message, reason: error.description, stage: "ingest.object")
                return
            }
        }
        acceptedLines.increment(by: report.accepted)
        objects.increment()
        logger.info("knowledge object applied", metadata: [
            "accepted": "\(report.accepted)", "rejected": "\(report.rejected.count)", "deleted": "\(report.deleted)", "event": "\(event.eventName)",
        ])
    }
}
