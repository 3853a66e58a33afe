import Foundation

/// How to reach a Pinecone serverless index (docs.pinecone.io; OpenAPI in pinecone-io/pinecone-api).
public struct PineconeConfiguration: Sendable {
    /// `PINECONE_API_KEY`, sent as `Api-Key`. Never logged.
    public var apiKey: String
    /// `PINECONE_INDEX`: resolved to its host once through the control plane.
    public var indexName: String?
    /// `PINECONE_INDEX_HOST`: the data-plane host (with or without scheme); skips the control plane.
    public var indexHost: String?
    /// `PINECONE_CONTROL_URL`.
    public var controlPlaneURL = "https://api.pinecone.io"
    /// `X-Pinecone-Api-Version`: pinned, since a missing header selects the oldest version.
    public var apiVersion = "2025-10"
    public var timeout: Duration = .seconds(10)
    /// Attempts per request on 429/5xx/timeouts, backing off and honouring `Retry-After`.
    public var maxAttempts = 4

    public init(apiKey: String) {
        self.apiKey = apiKey
    }

    /// Pinecone's request limits (WIRE.md).
    public enum Limits {
        public static let vectorsPerUpsert = 1000
        public static let bytesPerUpsert = 2 * 1024 * 1024
        public static let metadataBytes = 40 * 1024
        public static let inputsPerEmbed = 96
    }
}
