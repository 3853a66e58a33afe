import Foundation
import Logging
import Messaging
import Metrics
import RAGCore

/// Applies one S3-style notification, whatever carried it (the Kafka topic or an SQS queue): decodes it,
/// ingests or removes each object, dead-letters bad lines, and asks its caller to dead-letter what cannot
/// be applied at all. Every applied object, and every knowledge object it could not apply, gets a report on
/// `rag.ingest.reports` (and the webhook, when one is configured). Returns normally once everything in it
/// was applied or dead-lettered, and reported.
public struct ObjectEventHandler: Sendable {
    let ingestor: KnowledgeIngestor
    let publisher: EventPublisher
    /// Refits and publishes the namespaces' knowledge models after each applied object.
    let models: KnowledgeModelPublisher?
    /// Also POSTs each report to the operator's URL.
    let webhook: IngestReportWebhook?
    let logger: Logger
    let rejectedLines = Counter(label: "ragline_ingest_rejected_lines_total")
    let acceptedLines = Counter(label: "ragline_ingest_accepted_lines_total")
    let objects = Counter(label: "ragline_ingest_objects_total")
    let modelFailures = Counter(label: "ragline_ingest_model_failures_total")
    let reports = Counter(label: "ragline_ingest_reports_total")
    let failedObjects = Counter(label: "ragline_ingest_failed_objects_total")

    public init(ingestor: KnowledgeIngestor, publisher: EventPublisher, models: KnowledgeModelPublisher? = nil, webhook: IngestReportWebhook? = nil, logger: Logger) {
        self.ingestor = ingestor
        self.publisher = publisher
        self.models = models
        self.webhook = webhook
        self.logger = logger
    }

    /// `deadLetter(reason, stage)` stores the whole notification with the reason. `trace` is the trace
    /// context the notification came with, continued by the reports (a new trace without one).
    public func handle(
        _ notification: Data, trace: TraceParent? = nil, deadLetter: @Sendable (_ reason: String, _ stage: String) async throws -> Void
    ) async throws {
        let traceParent = trace ?? .random()
        let start = ContinuousClock.now
        let startedAt = Date()
        let events: [ObjectEvent]
        do {
            events = try ObjectEventDecoder.decode(notification)
        } catch {
            let reason = (error as? ObjectEventDecodingError)?.reason ?? "\(error)"
            logger.error("malformed object event dead-lettered", metadata: ["reason": "\(reason)"])
            try await deadLetter(reason, "ingest.decode")
            // The knowledge files the notification does name get a failed report each.
            for (source, operation) in Self.namedObjects(in: notification) where source.isKnowledgeFile {
                var report = IngestReport(source: source, operation: operation, embeddingModel: ingestor.embedder.modelID, startedAt: startedAt)
                report.finish(since: start)
                failedObjects.increment()
                try await publish(report.event(status: .failed, error: "malformed object event: \(reason)"), trace: traceParent)
            }
            return
        }
        if events.isEmpty {
            logger.debug("event without object changes skipped (s3:TestEvent or other)")
        }
        for event in events {
            try await apply(event, trace: traceParent, deadLetter: deadLetter)
        }
    }

    func apply(_ event: ObjectEvent, trace: TraceParent, deadLetter: @Sendable (_ reason: String, _ stage: String) async throws -> Void) async throws {
        var logger = self.logger
        logger[metadataKey: LogKeys.objectKey] = "\(event.key)"
        guard event.source.isKnowledgeFile else {
            logger.info("object is not a .jsonl knowledge file; skipped")
            return
        }
        let start = ContinuousClock.now
        let startedAt = Date()
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
                var failed = IngestReport(source: event.source, operation: .put, embeddingModel: ingestor.embedder.modelID, startedAt: startedAt)
                failed.finish(since: start)
                failedObjects.increment()
                try await publish(failed.event(status: .failed, error: error.description), trace: trace)
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
            "accepted": "\(report.accepted)", "rejected": "\(report.rejected.count)", "deleted": "\(report.deleted)",
            "unchanged": "\(report.unchanged)", "event": "\(event.eventName)",
        ])
        try await publish(report.event(), trace: trace)
    }

    /// Publishes the report to `rag.ingest.reports`, keyed by object key, then hands it to the webhook. A
    /// report that cannot be published throws, so the object event is applied and reported again.
    func publish(_ report: KnowledgeIngested, trace: TraceParent) async throws {
        let acknowledgement = try await publisher.publish(
            report, type: EventTypes.knowledgeIngested, topic: Topics.ingestReports, key: report.key, trace: trace
        )
        reports.increment()
        try await webhook?.deliver(report, acknowledgement: acknowledgement, publisher: publisher, trace: trace)
    }

    /// The objects a notification names, even one `ObjectEventDecoder` refuses: each record's bucket and key
    /// (`s3.object.key` or EventBridge's `detail.object.key`) and, where its event name says, the operation.
    static func namedObjects(in notification: Data) -> [(source: KnowledgeSource, operation: IngestReport.Operation?)] {
        guard case .object(let root)? = try? JSONDecoder().decode(JSONValue.self, from: notification) else { return [] }
        func string(_ value: JSONValue?) -> String? {
            if case .string(let text)? = value, !text.isEmpty { return text }
            return nil
        }
        func object(_ value: JSONValue?) -> [String: JSONValue]? {
            if case .object(let fields)? = value { return fields }
            return nil
        }
        func operation(_ name: String?) -> IngestReport.Operation? {
            guard let name else { return nil }
            if name.contains("ObjectRemoved") || name == "Object Deleted" { return .delete }
            if name.contains("ObjectCreated") || name == "Object Created" { return .put }
            return nil
        }
        var found: [(source: KnowledgeSource, operation: IngestReport.Operation?)] = []
        if case .array(let records)? = root["Records"] {
            for case .object(let record) in records {
                let s3 = object(record["s3"])
                guard let key = string(object(s3?["object"])?["key"]) else { continue }
                let bucket = string(object(s3?["bucket"])?["name"]) ?? ""
                found.append((KnowledgeSource(bucket: bucket, key: ObjectEventDecoder.decodeKey(key)), operation(string(record["eventName"]))))
            }
        } else if let detail = object(root["detail"]), let key = string(object(detail["object"])?["key"]) {
            let bucket = string(object(detail["bucket"])?["name"]) ?? ""
            found.append((KnowledgeSource(bucket: bucket, key: ObjectEventDecoder.decodeKey(key)), operation(string(root["detail-type"]))))
        }
        // One report per object, in the notification's order.
        var seen: Set<String> = []
        return found.filter { seen.insert($0.source.key).inserted }
    }
}
