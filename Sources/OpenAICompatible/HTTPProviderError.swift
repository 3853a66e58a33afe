import AsyncHTTPClient
import Foundation
import NIOHTTP1
import RAGCore

/// Turns an HTTP error answer from an OpenAI-compatible or Hugging Face server into a `ProviderError`
/// (`ProviderError.http`), reading both servers' error shapes and Hugging Face's `estimated_time`.
enum HTTPProviderError {
    static func make(provider: String, status: HTTPResponseStatus, headers: HTTPHeaders, body: Data, keySetting: String) -> ProviderError {
        let detail = message(in: body) ?? String(decoding: body.prefix(300), as: UTF8.self)
        var error = ProviderError.http(provider: provider, status: Int(status.code), message: detail, retryAfter: headers.first(name: "Retry-After"), keySetting: keySetting)
        // Hugging Face says how long a loading model needs in the body rather than in Retry-After.
        if error.isRetriable, error.retryAfter == nil, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let seconds = object["estimated_time"] as? Double {
            error = ProviderError(provider: provider, message: error.message, isRetriable: true, retryAfter: .milliseconds(Int(seconds * 1000)))
        }
        return error
    }

    /// The message of `{"error": "..."}` (Hugging Face), `{"error": {"message": ...}}` (OpenAI) or
    /// `{"message": ...}` (older vLLM).
    static func message(in body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        if let text = object["error"] as? String { return text }
        if let error = object["error"] as? [String: Any], let text = error["message"] as? String { return text }
        return object["message"] as? String
    }
}
