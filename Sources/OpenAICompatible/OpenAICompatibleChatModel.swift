import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RAGCore

/// A `ChatModel` over OpenAI-compatible chat completions (`POST {base}/chat/completions`), whole or
/// streamed. It is asked only once `AnswerSelector` has decided there is something to ground on, and it
/// sees the selected answers' entries.
public struct OpenAICompatibleChatModel: ChatModel {
    public let configuration: OpenAICompatibleConfiguration
    private let client: HTTPClient

    public var modelID: String { configuration.model }

    public init(configuration: OpenAICompatibleConfiguration, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    public func respond(to request: ChatRequest) async throws -> ChatResponse {
        try await respond(to: request) { _ in }
    }

    /// With `LLM_STREAM`, each piece of the provider's stream goes to `onText` as it arrives (the Responder
    /// publishes it as an answer delta); without, the whole answer once.
    public func respond(to request: ChatRequest, onText: @Sendable (String) async throws -> Void) async throws -> ChatResponse {
        let stream = configuration.stream
        let (text, usage) = try await withoutActuallyEscaping(onText) { onText in
            try await complete(request.messages, onText: stream ? onText : nil)
        }
        let answer = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !answer.isEmpty else {
            throw ProviderError(provider: modelID, message: "the model returned an empty answer", isRetriable: true)
        }
        if !configuration.stream { try await onText(answer) }
        return ChatResponse(
            status: .answered, text: answer,
            references: request.matches.map(\.reference),
            usage: usage
        )
    }

    /// Sends the messages; returns the answer text and the token usage when the server reports it.
    public func complete(_ messages: [ChatMessage], onText: (@Sendable (String) async throws -> Void)? = nil) async throws -> (String, TokenUsage?) {
        var body: [String: Any] = [
            "model": configuration.model,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "max_tokens": configuration.maxTokens,
            "temperature": configuration.temperature,
        ]
        if configuration.stream {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
        }
        var request = HTTPClientRequest(url: configuration.chatCompletionsURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: configuration.stream ? "text/event-stream" : "application/json")
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))

        let deadline = NIODeadline.now() + .milliseconds(Int64(configuration.timeout.milliseconds))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw ProviderError(provider: modelID, message: "request failed: \(error)", isRetriable: true)
        }
        guard response.status == .ok else {
            let errorBody = (try? await response.body.collect(upTo: 64 * 1024)).map { Data($0.readableBytesView) } ?? Data()
            throw HTTPProviderError.make(provider: modelID, status: response.status, headers: response.headers, body: errorBody, keySetting: configuration.apiKeySettingName)
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if configuration.stream || contentType.hasPrefix("text/event-stream") {
            return try await readStream(response.body, onText: onText)
        }
        let data: Data
        do {
            data = Data(try await response.body.collect(upTo: 8 << 20).readableBytesView)
        } catch {
            throw ProviderError(provider: modelID, message: "reading the answer failed: \(error)", isRetriable: true)
        }
        return try Self.parseCompletion(data, provider: modelID)
    }

    static func parseCompletion(_ data: Data, provider: String) throws -> (String, TokenUsage?) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ProviderError(provider: provider, message: "the answer is not a JSON object", isRetriable: true)
        }
        guard let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
              let content = message["content"] as? String
        else {
            throw ProviderError(provider: provider, message: "the answer has no choices[0].message.content", isRetriable: true)
        }
        return (content, usage(object["usage"]))
    }

    private func readStream(_ body: HTTPClientResponse.Body, onText: (@Sendable (String) async throws -> Void)?) async throws -> (String, TokenUsage?) {
        var parser = ServerSentEventParser()
        var text = ""
        var usage: TokenUsage?
        var finished = false
        var pieces: [String] = []
        func handle(_ events: [ServerSentEventParser.Event]) throws {
            for event in events.map(\.data) where !finished {
                if event.trimmingCharacters(in: .whitespaces) == "[DONE]" {
                    finished = true
                    return
                }
                guard let chunk = try? JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any] else {
                    throw ProviderError(provider: modelID, message: "a streamed chunk is not JSON: \(event.prefix(120))", isRetriable: true)
                }
                if let error = chunk["error"] {
                    let message = (error as? [String: Any])?["message"] as? String ?? "\(error)"
                    throw ProviderError(provider: modelID, message: "error in stream: \(message)", isRetriable: true)
                }
                if let choices = chunk["choices"] as? [[String: Any]], let delta = choices.first?["delta"] as? [String: Any],
                   let content = delta["content"] as? String {
                    text += content
                    pieces.append(content)
                }
                if let reported = Self.usage(chunk["usage"]) { usage = reported }
            }
        }
        do {
            for try await buffer in body {
                try handle(parser.feed(buffer.readableBytesView))
                // Forwarded as they arrive; an error thrown by `onText` ends the answer.
                for piece in pieces { try await onText?(piece) }
                pieces.removeAll()
                if finished { break }
            }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(provider: modelID, message: "stream broke off: \(error)", isRetriable: true)
        }
        if !finished { try handle(parser.finish()) }
        for piece in pieces { try await onText?(piece) }
        return (text, usage)
    }

    static func usage(_ value: Any?) -> TokenUsage? {
        guard let usage = value as? [String: Any], let prompt = usage["prompt_tokens"] as? Int, let completion = usage["completion_tokens"] as? Int else { return nil }
        return TokenUsage(promptTokens: prompt, completionTokens: completion)
    }
}
