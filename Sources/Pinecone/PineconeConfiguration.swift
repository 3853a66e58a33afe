import Configuration
import Foundation
import RAGCore

/// How to reach a Pinecone serverless index and Pinecone Inference (docs.pinecone.io; OpenAPI in
/// pinecone-io/pinecone-api). Each property's default is written here once; `Settings` documents it.
public struct PineconeConfiguration: Sendable {
    /// `PINECONE_API_KEY`, sent as `Api-Key`. Never logged. Empty: not configured.
    public var apiKey: String
    /// `PINECONE_INDEX`: resolved to its host once through the control plane.
    public var indexName: String?
    /// `PINECONE_INDEX_HOST`: the data-plane host (with or without scheme); skips the control plane.
    public var indexHost: String?
    /// `PINECONE_CONTROL_URL`.
    public var controlPlaneURL = "https://api.pinecone.io"
    /// `PINECONE_EMBED_MODEL`: the Inference model of `RAGLINE_EMBEDDER=pinecone`.
    public var embedModel = "multilingual-e5-large"
    /// `PINECONE_EMBED_DIMENSIONS`: its vector size (the index must match).
    public var embedDimensions = 1024
    /// `X-Pinecone-Api-Version`: pinned, since a missing header selects the oldest version.
    public var apiVersion = "2025-10"
    public var timeout: Duration = .seconds(10)
    /// Attempts per request on 429/5xx/timeouts, backing off and honouring `Retry-After`.
    public var maxAttempts = 4

    public init(apiKey: String) {
        self.apiKey = apiKey
    }

    public static let `default` = PineconeConfiguration(apiKey: "")

    /// Pinecone's request limits (WIRE.md).
    public enum Limits {
        public static let vectorsPerUpsert = 1000
        public static let bytesPerUpsert = 2 * 1024 * 1024
        public static let metadataBytes = 40 * 1024
        public static let inputsPerEmbed = 96
    }
}

extension Settings {
    public static let pineconeAPIKey = Setting("pinecone.api.key", default: "(none)", roles: "retriever, ingest-worker", "Pinecone API key (index and Inference).", secret: true)
    public static let pineconeIndex = Setting("pinecone.index", default: "(none)", roles: "retriever, ingest-worker", "Pinecone index name; its host is looked up once through the control plane.")
    public static let pineconeIndexHost = Setting("pinecone.index.host", default: "(none)", roles: "retriever, ingest-worker", "Pinecone index host; skips the control-plane look-up.")
    public static let pineconeControlURL = Setting("pinecone.control.url", default: PineconeConfiguration.default.controlPlaneURL, roles: "retriever, ingest-worker", "Pinecone control plane (and Inference) base URL.")
    public static let pineconeEmbedModel = Setting("pinecone.embed.model", default: PineconeConfiguration.default.embedModel, roles: "retriever, ingest-worker", "Model of `RAGLINE_EMBEDDER=pinecone` (Pinecone Inference).")
    public static let pineconeEmbedDimensions = Setting("pinecone.embed.dimensions", default: "\(PineconeConfiguration.default.embedDimensions)", roles: "retriever, ingest-worker", "Vector size of the Pinecone Inference model (the index must match).")
}

extension PineconeConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [
        Settings.pineconeAPIKey, Settings.pineconeIndex, Settings.pineconeIndexHost, Settings.pineconeControlURL,
        Settings.pineconeEmbedModel, Settings.pineconeEmbedDimensions,
    ]

    public init(reader: ConfigReader) throws {
        let d = Self.default
        self.init(apiKey: reader.optionalString(Settings.pineconeAPIKey) ?? "")
        indexName = reader.optionalString(Settings.pineconeIndex)
        indexHost = reader.optionalString(Settings.pineconeIndexHost)
        controlPlaneURL = reader.string(Settings.pineconeControlURL, default: d.controlPlaneURL)
        embedModel = reader.string(Settings.pineconeEmbedModel, default: d.embedModel)
        embedDimensions = try reader.positiveInt(Settings.pineconeEmbedDimensions, default: d.embedDimensions)
    }
}
