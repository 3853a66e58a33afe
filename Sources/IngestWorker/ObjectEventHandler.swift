import Foundation
import Logging
import Messaging
import Metrics
import RAGCore

/// Applies one S3-style notification, whatever carried it (the Kafka topic or an SQS queue): decodes it,
/// ingests or removes each object, dead-letters bad lines, and asks its caller to dead-letter what cannot
/// be applied at all. Returns normally once everything in it was applied or dead-lettered.
public struct ObjectEventHandler: Sendable {
    let ingestor: KnowledgeIngestor
    let publisher: EventPublisher
    /// Refits and publishes the namespaces' knowledge models after each applied object.
    let models: KnowledgeModelPublisher?
    let logger: Logger
    let rejectedLines = Counter(label: "ragline_ingest_rejected_lines_total")
    let acceptedLines = Counter(label: "ragline_ingest_accepted_lines_total")
    let objects = Counter(label: "ragline_ingest_objects_total")
    let modelFailures = Counter(label: "ragline_ingest_model_failures_total")

    public init(ingestor: KnowledgeIngestor, publisher: EventPublisher, models: KnowledgeModelPublisher? = nil, logger: Logger) {
        self.ingestor = ingestor
        self.publisher = publisher
        self.models = models
        self.logger = logger
    }

    /// `deadLetter(reason, stage)` stores the whole notification with the reason.
    public func handle(_ notification: Data, deadLetter: @Sendable (_ reason: String, _ stage: String) async throws -> Void) async throws {
        let events: [ObjectEvent]
        do {
            events = try ObjectEventDecoder.decode(notification)
        } catch {
            let reason = (error as? ObjectEventDecodingError)?.reason ?? "\(error)"
            logger.error("malformed object event dead-lettered", metadata: ["reason": "\(reason)"])
            try await deadLetter(reason, "ingest.decode")
            return
        }
        if events.isEmpty {
            logger.debug("event without object changes skipped (s3:TestEvent or other)")
        }
        for event in events {
            try await apply(event, deadLetter: deadLetter)
        }
    }

    func apply(_ event: ObjectEvent, deadLetter: @Sendable (_ reason: String, _ stage: String) async throws -> Void) async throws {
        var logger = self.logger
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
                let publisher = self.publisher
                let rejectedLines = self.rejectedLines
                report = try await ingestor.ingest(event.source) { [logger] line, error in
                    logger.warning("knowledge line rejected", metadata: ["line": "\(error.line)", "reason": "\(error.reason)"])
                    rejectedLines.increment()
                    try await publisher.deadLetterLine(line, file: event.key, lineNumber: error.line, reason: error.reason, sourceTopic: Topics.ingestEvents)
                }
            } catch let error as ProviderError where !error.isRetriable {
                // The object cannot be read or embedded, and retrying will not change that.
                logger.error("object could not be ingested; event dead-lettered", metadata: [LogKeys.error: "\(error)"])
                try await deadLetter(error.description, "ingest.object")
                return
            }
        }
        do {
            try await models?.refresh(report.namespaces)
        } catch {
            // The index already holds the change; retrying the object would embed it again and hold back
            // every later event. Retrievers keep the previous model until the next change refits it.
            modelFailures.increment()
            logger.error("knowledge model not refit; retrievers keep the previous one", metadata: [LogKeys.error: "\(error)"])
        }
        acceptedLines.increment(by: report.accepted)
        objects.increment()
        logger.info("knowledge object applied", metadata: [
            "accepted": "\(report.accepted)", "rejected": "\(report.rejected.count)", "deleted": "\(report.deleted)", "event": "\(event.eventName)",
        ])
    }
}
