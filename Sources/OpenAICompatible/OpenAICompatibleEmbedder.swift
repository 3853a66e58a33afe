import AsyncHTTPClient
import Foundation
import NIOCore
import RAGCore

/// An `Embedder` over a hosted endpoint: OpenAI-compatible `POST {base}/embeddings`, or Hugging Face's
/// feature-extraction pipeline (`{"inputs": [...]}` -> array of vectors). Vectors are L2-normalised here.
public struct OpenAICompatibleEmbedder: Embedder {
    public enum API: Sendable {
        case openAI
        case huggingFaceFeatureExtraction
    }

    public let api: API
    public let url: String
    public let modelID: String
    public let dimensions: Int
    public let apiKey: String?
    public let batchSize: Int
    public let timeout: Duration
    public let apiKeySettingName: String
    private let client: HTTPClient

    public init(api: API, url: String, model: String, dimensions: Int, apiKey: String?, batchSize: Int = 64, timeout: Duration = .seconds(30), apiKeySettingName: String, client: HTTPClient = .shared) {
        self.api = api
        self.url = url
        self.modelID = model
        self.dimensions = dimensions
        self.apiKey = apiKey
        self.batchSize = max(1, batchSize)
        self.timeout = timeout
        self.apiKeySettingName = apiKeySettingName
        self.client = client
    }

    public func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        var start = 0
        while start < texts.count {
            let end = min(start + batchSize, texts.count)
            vectors += try await embedBatch(Array(texts[start..<end]))
            start = end
        }
        return vectors
    }

    private func embedBatch(_ texts: [String]) async throws -> [[Float]] {
        let body: [String: Any] = switch api {
        case .openAI: ["model": modelID, "input": texts]
        case .huggingFaceFeatureExtraction: ["inputs": texts, "normalize": true]
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if api == .huggingFaceFeatureExtraction { request.headers.add(name: "x-wait-for-model", value: "true") }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeout.milliseconds)))
            data = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        } catch {
            throw ProviderError(provider: modelID, message: "request failed: \(error)", isRetriable: true)
        }
        guard response.status == .ok else {
            throw HTTPProviderError.make(provider: modelID, status: response.status, headers: response.headers, body: data, keySetting: apiKeySettingName)
        }
        let vectors = try parse(data)
        guard vectors.count == texts.count else {
            throw ProviderError(provider: modelID, message: "returned \(vectors.count) vectors for \(texts.count) texts", isRetriable: false)
        }
        if let wrong = vectors.first(where: { $0.count != dimensions }) {
            throw ProviderError(provider: modelID, message: "returned \(wrong.count) dimensions; expected \(dimensions)", isRetriable: false)
        }
        return vectors.map(VectorMath.normalized)
    }

    private func parse(_ data: Data) throws -> [[Float]] {
        let object = try? JSONSerialization.jsonObject(with: data)
        switch api {
        case .openAI:
            guard let items = (object as? [String: Any])?["data"] as? [[String: Any]] else {
                throw ProviderError(provider: modelID, message: "the answer has no data array", isRetriable: true)
            }
            let ordered = items.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
            return try ordered.map { item in
                guard let values = item["embedding"] as? [Double] else {
                    throw ProviderError(provider: modelID, message: "an item has no embedding", isRetriable: true)
                }
                return values.map(Float.init)
            }
        case .huggingFaceFeatureExtraction:
            if let rows = object as? [[Double]] { return rows.map { $0.map(Float.init) } }
            if let single = object as? [Double] { return [single.map(Float.init)] }
            throw ProviderError(provider: modelID, message: "the answer is not an array of vectors", isRetriable: true)
        }
    }
}
