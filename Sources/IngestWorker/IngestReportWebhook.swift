import AsyncHTTPClient
import Foundation
import Kafka
import Logging
import Messaging
import Metrics
import NIOCore
import RAGCore
import ServiceLifecycle

/// POSTs each ingestion report to the operator's webhook (`RAGLINE_INGEST_WEBHOOK_URL`), so that a CI
/// pipeline that uploads knowledge can wait for its file's report and fail on rejected lines.
///
/// The body is the report's JSON, byte for byte the value of its `rag.ingest.reports` record, signed as the
/// gateway signs answer callbacks (Standard Webhooks headers, `CallbackSigner`): `webhook-id` is the
/// report's `id`, the same on every attempt. Network errors, timeouts, 408, 429 and 5xx are retried with
/// exponential backoff and jitter up to `maxAttempts`; another status ends delivery at once. A report that
/// could not be delivered goes to `rag.ingest.reports.dlq` with the reason, logged and counted, and the
/// worker moves on: a receiver that is down delays each object by the attempts' time at most, never for ever.
/// The URL is the operator's own setting, so the callback target policy (internal addresses) does not apply.
public struct IngestReportWebhook: Sendable {
    public let url: String
    let signer: CallbackSigner
    let retry: RetryPolicy
    let requestTimeout: Duration
    let client: HTTPClient
    let logger: Logger
    let delivered = Counter(label: "ragline_ingest_webhooks_delivered_total")
    let abandoned = Counter(label: "ragline_ingest_webhooks_failed_total")

    public init(
        url: String, secret: String, maxAttempts: Int, retryDelays: ClosedRange<Duration> = .milliseconds(250) ... .seconds(10),
        requestTimeout: Duration = .seconds(10), client: HTTPClient = .shared, logger: Logger
    ) {
        self.url = url
        self.signer = CallbackSigner(secret: secret)
        self.retry = RetryPolicy(maxAttempts: max(1, maxAttempts), initialDelay: retryDelays.lowerBound, maxDelay: retryDelays.upperBound)
        self.requestTimeout = requestTimeout
        self.client = client
        self.logger = logger
    }

    /// The webhook the configuration asks for: nil without `RAGLINE_INGEST_WEBHOOK_URL`. Throws when the URL
    /// is set but no secret is (`RAGLINE_INGEST_WEBHOOK_SECRET`, or the `RAGLINE_CALLBACK_SECRET` it defaults
    /// to): a signature nobody can check would be worse than none.
    public static func configured(_ configuration: IngestWorkerConfiguration, logger: Logger) throws -> IngestReportWebhook? {
        guard let url = configuration.webhookURL else { return nil }
        guard let secret = configuration.webhookSecret, !secret.isEmpty else {
            throw ConfigurationError(
                setting: Settings.ingestWebhookSecret,
                problem: "is not set, and neither is RAGLINE_CALLBACK_SECRET: RAGLINE_INGEST_WEBHOOK_URL needs a secret to sign the reports with"
            )
        }
        return IngestReportWebhook(
            url: url, secret: secret, maxAttempts: configuration.webhookMaxAttempts, retryDelays: configuration.webhookRetryDelays,
            requestTimeout: configuration.webhookRequestTimeout, logger: logger
        )
    }

    /// Delivers `report` (whose record is at `acknowledgement` on `rag.ingest.reports`). After the last failed
    /// attempt the report is dead-lettered to `rag.ingest.reports.dlq` and this returns normally. Throws when
    /// the dead letter cannot be published, and when shutdown begins before delivery ended: the object event
    /// then stays unprocessed and is applied, reported and delivered again after the restart.
    func deliver(_ report: KnowledgeIngested, acknowledgement: KafkaAcknowledgement, publisher: EventPublisher, trace: TraceParent) async throws {
        let body = try EventCoding.encode(report)
        var logger = self.logger
        logger[metadataKey: LogKeys.objectKey] = "\(report.key)"
        do {
            try await retry.run(shouldRetry: { IngestWebhookError.isRetriable($0) && !Task.isShuttingDownGracefully }) { attempt in
                try await post(body, id: report.id, attempt: attempt)
            }
            delivered.increment()
            logger.debug("ingestion report delivered to the webhook", metadata: ["report": "\(report.id)"])
        } catch {
            if Task.isShuttingDownGracefully || Task.isCancelled { throw error }
            abandoned.increment()
            let attempts = (error as? IngestWebhookError)?.attempt ?? retry.maxAttempts
            logger.error("ingestion report not delivered to the webhook; dead-lettered to \(Topics.deadLetter(of: Topics.ingestReports))", metadata: [
                "report": "\(report.id)", "attempts": "\(attempts)", LogKeys.error: "\(error)",
            ])
            // The dead letter is the report as it was published and POSTed (same key and value), with CloudEvents
            // headers of its own and the `ragline_dlq_*` headers naming the report record's partition and offset.
            let envelope = EventEnvelope(type: EventTypes.knowledgeIngested, source: publisher.source, traceParent: trace.child())
            let copy = KafkaConsumerMessage(
                topic: acknowledgement.topic, partition: acknowledgement.partition, offset: acknowledgement.offset,
                key: Data(report.key.utf8), value: body, headers: envelope.headers.map { KafkaHeader(name: $0.name, string: $0.value) },
                timestamp: Date()
            )
            try await publisher.deadLetter(copy, reason: "webhook failed: \(error)", stage: "ingest.webhook", attempts: attempts)
        }
    }

    func post(_ body: Data, id: String, attempt: Int) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ragline-ingest-webhooks/1")
        for (name, value) in signer.headers(id: id, body: body) { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .init(requestTimeout))
        } catch {
            throw IngestWebhookError(status: nil, attempt: attempt, detail: "\(error)")
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw IngestWebhookError(status: Int(response.status.code), attempt: attempt, detail: nil)
        }
    }
}

/// A failed webhook attempt: the receiver's status, or no answer at all (connection refused, timeout).
struct IngestWebhookError: Error, CustomStringConvertible {
    let status: Int?
    let attempt: Int
    let detail: String?

    var description: String {
        if let status { return "receiver answered HTTP \(status) (attempt \(attempt))" }
        return "no answer from the receiver (attempt \(attempt)): \(detail ?? "unknown error")"
    }

    /// No answer, 408, 429 and 5xx are worth retrying; other statuses will not change.
    @Sendable static func isRetriable(_ error: any Error) -> Bool {
        guard let error = error as? IngestWebhookError, let status = error.status else { return true }
        return status == 408 || status == 429 || status >= 500
    }
}
