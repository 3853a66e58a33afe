import AsyncHTTPClient
import Foundation
import NIOHTTP1
import RAGCore

/// Turns an HTTP error answer from an OpenAI-compatible or Hugging Face server into a `ProviderError`:
/// 401/403 are permanent and name the key setting; 408, 409, 429 and 5xx (503 while a model loads) are
/// retriable, with the server's `Retry-After` or `estimated_time` when it gives one.
enum HTTPProviderError {
    static func make(provider: String, status: HTTPResponseStatus, headers: HTTPHeaders, body: Data, keySetting: String) -> ProviderError {
        let detail = message(in: body) ?? String(decoding: body.prefix(300), as: UTF8.self)
        let code = Int(status.code)
        switch code {
        case 401, 403:
            return ProviderError(provider: provider, message: "HTTP \(code): \(detail). Check \(keySetting).", isRetriable: false)
        case 408, 409, 429, 500...599:
            return ProviderError(provider: provider, message: "HTTP \(code): \(detail)", isRetriable: true, retryAfter: retryAfter(headers: headers, body: body))
        default:
            return ProviderError(provider: provider, message: "HTTP \(code): \(detail)", isRetriable: false)
        }
    }

    /// The message of `{"error": "..."}` (Hugging Face), `{"error": {"message": ...}}` (OpenAI) or
    /// `{"message": ...}` (older vLLM).
    static func message(in body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        if let text = object["error"] as? String { return text }
        if let error = object["error"] as? [String: Any], let text = error["message"] as? String { return text }
        return object["message"] as? String
    }

    static func retryAfter(headers: HTTPHeaders, body: Data) -> Duration? {
        if let value = headers.first(name: "Retry-After"), let seconds = Double(value.trimmingCharacters(in: .whitespaces)) {
            return .milliseconds(Int(seconds * 1000))
        }
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let seconds = object["estimated_time"] as? Double {
            return .milliseconds(Int(seconds * 1000))
        }
        return nil
    }
}
