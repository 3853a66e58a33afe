import Configuration
import RAGCore

/// Settings of the Retriever role. Each property's default is written here once; `Settings` documents it.
public struct RetrieverConfiguration: Sendable {
    /// `RAGLINE_RETRIEVER_CONCURRENCY`: questions processed at once per instance. Enough that the questions
    /// waiting for the embedder fill its next passes while the current ones run: under 64 concurrent chats 64
    /// answered 11% more questions a second than 32, and 32 8-13% more than 8 (BENCHMARKS.md).
    public var concurrency = 64
    /// `RAGLINE_ADMIN_PORT`: `/healthz`, `/readyz` and `/metrics` (0 turns it off).
    public var adminPort = 9101
    /// Attempts per embedder or index call when it fails transiently (always within the deadline).
    public var providerAttempts = 4
    /// How long a starting retriever waits for the knowledge models before it takes questions anyway.
    public var modelsWaitLimit: Duration = .seconds(30)
    /// Answer selection, shared with the responder and the ingest worker: the wiring sets it.
    public var scoring = AnswerScoring.default

    public init() {}

    public static let `default` = RetrieverConfiguration()
}

extension Settings {
    public static let retrieverConcurrency = Setting("ragline.retriever.concurrency", default: "\(RetrieverConfiguration.default.concurrency)", roles: "retriever", "Questions processed at once per instance; enough that the questions waiting for the embedder fill its next passes while the current ones run.")
}

extension RetrieverConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.retrieverConcurrency]

    public init(reader: ConfigReader) throws {
        self.init()
        concurrency = try reader.positiveInt(Settings.retrieverConcurrency, default: Self.default.concurrency)
    }
}
