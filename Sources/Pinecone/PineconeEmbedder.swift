import AsyncHTTPClient
import Foundation
import RAGCore

/// Pinecone Inference `POST /embed` as an `Embedder` (`multilingual-e5-large` by default): `input_type`
/// passage for knowledge and query for questions, at most 96 inputs per call.
public struct PineconeEmbedder: Embedder {
    public let modelID: String
    public let dimensions: Int
    private let http: PineconeHTTP

    /// `model` and `dimensions` default to the configuration's Inference model.
    public init(configuration: PineconeConfiguration, model: String? = nil, dimensions: Int? = nil, client: HTTPClient = .shared) {
        self.modelID = model ?? configuration.embedModel
        self.dimensions = dimensions ?? configuration.embedDimensions
        http = PineconeHTTP(configuration: configuration, client: client)
    }

    public func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        var start = 0
        while start < texts.count {
            let end = min(start + PineconeConfiguration.Limits.inputsPerEmbed, texts.count)
            let answer = try await http.post(http.configuration.controlPlaneURL + "/embed", try json([
                "model": modelID,
                "parameters": ["input_type": kind == .query ? "query" : "passage", "truncate": "END"],
                "inputs": texts[start..<end].map { ["text": $0] },
            ]))
            let data = answer["data"] as? [[String: Any]] ?? []
            guard data.count == end - start else {
                throw ProviderError(provider: "pinecone", message: "embed returned \(data.count) vectors for \(end - start) texts", isRetriable: false)
            }
            for item in data {
                guard let values = item["values"] as? [Double], values.count == dimensions else {
                    throw ProviderError(provider: "pinecone", message: "embed returned a vector that is not \(dimensions) floats", isRetriable: false)
                }
                vectors.append(VectorMath.normalized(values.map(Float.init)))
            }
            start = end
        }
        return vectors
    }
}
