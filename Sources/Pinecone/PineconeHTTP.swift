import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RAGCore

/// JSON over HTTPS to Pinecone with its headers, retries and error reporting; shared by the index and the
/// embedder. One `HTTPClient` (connections reused) for the process.
struct PineconeHTTP: Sendable {
    let configuration: PineconeConfiguration
    let client: HTTPClient

    /// POSTs `body` (JSON) and returns the JSON object answered.
    func post(_ url: String, _ body: Data) async throws -> JSONObject {
        try await request(.POST, url, body: body)
    }

    func get(_ url: String) async throws -> JSONObject {
        try await request(.GET, url, body: nil)
    }

    private func request(_ method: HTTPMethod, _ url: String, body data: Data?) async throws -> JSONObject {
        let policy = RetryPolicy(maxAttempts: configuration.maxAttempts, initialDelay: .milliseconds(200), maxDelay: .seconds(5))
        let answer = try await policy.run(shouldRetry: { ($0 as? ProviderError)?.isRetriable ?? false }) { _ in
            try await once(method, url, data)
        }
        if answer.isEmpty { return JSONObject([:]) }
        guard let object = try? JSONSerialization.jsonObject(with: answer) as? [String: Any] else {
            throw ProviderError(provider: "pinecone", message: "\(method) \(url): the answer is not a JSON object", isRetriable: false)
        }
        return JSONObject(object)
    }

    private func once(_ method: HTTPMethod, _ url: String, _ data: Data?) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Api-Key", value: configuration.apiKey)
        request.headers.add(name: "X-Pinecone-Api-Version", value: configuration.apiVersion)
        request.headers.add(name: "Accept", value: "application/json")
        if let data {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let response: HTTPClientResponse
        let answer: Data
        do {
            response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(configuration.timeout.milliseconds)))
            answer = Data(try await response.body.collect(upTo: 8 << 20).readableBytesView)
        } catch {
            throw ProviderError(provider: "pinecone", message: "\(method) \(url) failed: \(error)", isRetriable: true)
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            throw ProviderError.http(
                provider: "pinecone", status: status, message: Self.message(answer),
                retryAfter: response.headers.first(name: "Retry-After"), keySetting: "PINECONE_API_KEY"
            )
        }
        // A malformed body is worth another try (a proxy or a cut connection); a second bad one is final.
        if !answer.isEmpty, (try? JSONSerialization.jsonObject(with: answer)) == nil {
            throw ProviderError(provider: "pinecone", message: "\(method) \(url): the answer is not JSON", isRetriable: true)
        }
        return answer
    }

    /// Control plane `{"error": {"code", "message"}}`, data plane `{"code", "message"}`, or plain text.
    static func message(_ body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                return [error["code"] as? String, error["message"] as? String].compactMap { $0 }.joined(separator: ": ")
            }
            if let message = object["message"] as? String { return message }
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }
}

/// A decoded JSON object handed between the HTTP helper and its callers.
/// `@unchecked Sendable`: built once from freshly parsed JSON and never mutated afterwards.
struct JSONObject: @unchecked Sendable {
    let fields: [String: Any]
    init(_ fields: [String: Any]) { self.fields = fields }
    subscript(key: String) -> Any? { fields[key] }
}

func json(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object)
}
