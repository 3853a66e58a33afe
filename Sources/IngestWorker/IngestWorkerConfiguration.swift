import Configuration
import Foundation
import RAGCore

/// Settings of the IngestWorker role. Each property's default is written here once; `Settings` documents it.
public struct IngestWorkerConfiguration: Sendable {
    /// `RAGLINE_EMBED_BATCH_SIZE`: records embedded per call while ingesting.
    public var embedBatchSize = 32
    /// `RAGLINE_ADMIN_PORT`: `/healthz`, `/readyz` and `/metrics` (0 turns it off).
    public var adminPort = 9103
    /// `RAGLINE_INGEST_WEBHOOK_URL`: where each ingestion report is POSTed as well (nil: no webhook).
    public var webhookURL: String?
    /// `RAGLINE_INGEST_WEBHOOK_SECRET`: the HMAC key that signs the reports. Nil: `RAGLINE_CALLBACK_SECRET`
    /// (`RaglineConfiguration` fills it in); a webhook without either refuses to start.
    public var webhookSecret: String?
    /// `RAGLINE_INGEST_WEBHOOK_MAX_ATTEMPTS`: delivery attempts per report before it is dead-lettered.
    public var webhookMaxAttempts = 5
    /// Backoff between webhook attempts: doubling from the first delay up to the last, with jitter (not settings).
    public var webhookRetryDelays: ClosedRange<Duration> = .milliseconds(250) ... .seconds(10)
    /// One webhook request, connecting and reading the answer included (not a setting).
    public var webhookRequestTimeout: Duration = .seconds(10)

    public init() {}

    public static let `default` = IngestWorkerConfiguration()
}

extension Settings {
    public static let embedBatchSize = Setting("ragline.embed.batch.size", default: "\(IngestWorkerConfiguration.default.embedBatchSize)", roles: "ingest-worker", "Records embedded per call while ingesting.")
    public static let ingestWebhookURL = Setting(
        "ragline.ingest.webhook.url", default: "(none)", roles: "ingest-worker",
        "`http(s)` URL that receives every ingestion report (the `rag.ingest.reports` event), signed like the answer callbacks."
    )
    public static let ingestWebhookSecret = Setting(
        "ragline.ingest.webhook.secret", default: "`RAGLINE_CALLBACK_SECRET`", roles: "ingest-worker",
        "HMAC-SHA256 key that signs the ingestion webhook; one of the two must be set when the webhook is.", secret: true
    )
    public static let ingestWebhookMaxAttempts = Setting(
        "ragline.ingest.webhook.max.attempts", default: "\(IngestWorkerConfiguration.default.webhookMaxAttempts)", roles: "ingest-worker",
        "Delivery attempts per ingestion report, with exponential backoff; then the report goes to `rag.ingest.reports.dlq`."
    )
}

extension IngestWorkerConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.embedBatchSize, Settings.ingestWebhookURL, Settings.ingestWebhookSecret, Settings.ingestWebhookMaxAttempts]

    public init(reader: ConfigReader) throws {
        self.init()
        embedBatchSize = try reader.positiveInt(Settings.embedBatchSize, default: Self.default.embedBatchSize)
        if let url = reader.optionalString(Settings.ingestWebhookURL) {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = parsed.host, !host.isEmpty
            else { throw ConfigurationError(setting: Settings.ingestWebhookURL, problem: "must be an http:// or https:// URL with a host, got \"\(url)\"") }
            webhookURL = url
        }
        webhookSecret = reader.optionalString(Settings.ingestWebhookSecret)
        webhookMaxAttempts = try reader.positiveInt(Settings.ingestWebhookMaxAttempts, default: Self.default.webhookMaxAttempts)
    }
}
