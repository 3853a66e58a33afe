import Foundation
import Kafka
import Logging
import Messaging
import RAGCore
import ServiceLifecycle

/// Consumes S3-style object events from `rag.ingest.events` and applies them to the index. Bad lines and
/// malformed events are logged, counted and dead-lettered to `rag.ingest.events.dlq`; each object's report
/// goes to `rag.ingest.reports` (and to the webhook, when one is configured).
public struct IngestWorkerService: Service {
    let stage: ConsumingStage
    let handler: ObjectEventHandler
    let models: KnowledgeModelPublisher?

    public init(
        consumer: any RecordStream, publisher: EventPublisher, ingestor: KnowledgeIngestor, models: KnowledgeModelPublisher? = nil,
        webhook: IngestReportWebhook? = nil, readiness: Readiness, logger: Logger
    ) {
        self.stage = ConsumingStage(role: "ingest-worker", consumer: consumer, publisher: publisher, readiness: readiness, logger: logger)
        self.handler = ObjectEventHandler(ingestor: ingestor, publisher: publisher, models: models, webhook: webhook, logger: stage.logger)
        self.models = models
    }

    public func run() async throws {
        let publisher = stage.publisher
        let handler = self.handler
        let stage = self.stage
        await withDiscardingTaskGroup { group in
            if let models { group.addTask { await models.refreshAll() } }
            group.addTask {
                await stage.run { message in
                    let trace = message.header(EventEnvelope.HeaderName.traceParent).flatMap(TraceParent.init(parsing:))
                    try await handler.handle(message.value, trace: trace) { reason, stageName in
                        try await publisher.deadLetter(message, reason: reason, stage: stageName)
                    }
                }
            }
        }
    }
}

/// Applies object events from another source (an SQS queue fed by S3 notifications), with the same
/// handling and reports; notifications that cannot be applied go to `rag.ingest.events.dlq` with the reason.
public struct IngestSourceService: Service {
    let source: any IngestEventSource
    let handler: ObjectEventHandler
    let publisher: EventPublisher
    let readiness: Readiness
    let models: KnowledgeModelPublisher?

    public init(
        source: any IngestEventSource, publisher: EventPublisher, ingestor: KnowledgeIngestor, models: KnowledgeModelPublisher? = nil,
        webhook: IngestReportWebhook? = nil, readiness: Readiness, logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: LogKeys.role] = "ingest-worker"
        self.source = source
        self.publisher = publisher
        self.readiness = readiness
        self.models = models
        self.handler = ObjectEventHandler(ingestor: ingestor, publisher: publisher, models: models, webhook: webhook, logger: logger)
    }

    public func run() async throws {
        readiness.markReady()
        // As the Kafka-fed worker does: the models topic may have lost what the index holds.
        await models?.refreshAll()
        let handler = self.handler
        let publisher = self.publisher
        try await cancelWhenGracefulShutdown {
            try await source.run { notification in
                try await handler.handle(notification.body) { reason, stage in
                    try await publisher.publishRaw(
                        value: notification.body, topic: Topics.deadLetter(of: Topics.ingestEvents), key: nil,
                        headers: [
                            .init(name: EventPublisher.DeadLetterHeader.reason, string: reason),
                            .init(name: EventPublisher.DeadLetterHeader.stage, string: stage),
                            .init(name: EventPublisher.DeadLetterHeader.sourceTopic, string: "sqs:\(notification.id)"),
                        ]
                    )
                }
            }
        }
    }
}
