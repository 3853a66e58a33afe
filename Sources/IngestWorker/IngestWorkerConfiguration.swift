import Configuration
import RAGCore

/// Settings of the IngestWorker role. Each property's default is written here once; `Settings` documents it.
public struct IngestWorkerConfiguration: Sendable {
    /// `RAGLINE_EMBED_BATCH_SIZE`: records embedded per call while ingesting.
    public var embedBatchSize = 32
    /// `RAGLINE_ADMIN_PORT`: `/healthz`, `/readyz` and `/metrics` (0 turns it off).
    public var adminPort = 9103

    public init() {}

    public static let `default` = IngestWorkerConfiguration()
}

extension Settings {
    public static let embedBatchSize = Setting("ragline.embed.batch.size", default: "\(IngestWorkerConfiguration.default.embedBatchSize)", roles: "ingest-worker", "Records embedded per call while ingesting.")
}

extension IngestWorkerConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.embedBatchSize]

    public init(reader: ConfigReader) throws {
        self.init()
        embedBatchSize = try reader.positiveInt(Settings.embedBatchSize, default: Self.default.embedBatchSize)
    }
}
