import Foundation
import RaglineApp
import Hummingbird
import Logging
import NIOCore

/// A local server that follows the OpenAI chat-completions and embeddings contract (and Hugging Face's
/// feature extraction), rejects requests that break it, and answers from a script of behaviours.
public final class FakeOpenAIServer: Sendable {
    public enum Behaviour: Sendable {
        case answer(String)
        case stream([String], chunkBytes: Int, lineEnding: String = "\n")
        case status(Int, body: String, headers: [String: String] = [:])
        case malformed
        case slow(Duration)
    }

    public let key = "test-key"
    private let script = LockedBox<[Behaviour]>([])
    private let received = LockedBox<[Data]>([])

    /// The JSON bodies of the valid requests received so far.
    public var requests: [[String: Any]] {
        received.value.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }
    private let port = LockedBox<Int?>(nil)
    private let task = LockedBox<Task<Void, any Error>?>(nil)

    public init() {}

    public func enqueue(_ behaviours: Behaviour...) {
        script.withLock { $0.append(contentsOf: behaviours) }
    }

    public var baseURL: String { "http://127.0.0.1:\(port.value ?? 0)/v1" }

    /// Points `configuration`'s responder at this server (`RAGLINE_CHAT_MODEL=openai`, model `test/model`).
    public func configureChatModel(_ configuration: inout RaglineConfiguration) {
        configuration.providers.chatModel = "openai"
        configuration.llm.baseURL = baseURL
        configuration.llm.model = "test/model"
        configuration.llm.apiKey = key
    }

    public func start() async throws {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in try await self.chat(request) }
        router.post("/v1/embeddings") { request, _ in try await self.embeddings(request, huggingFace: false) }
        router.post("/hf/feature-extraction") { request, _ in try await self.embeddings(request, huggingFace: true) }
        let port = self.port
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            port.withLock { $0 = channel.localAddress?.port }
        }, logger: Logger(label: "fake-openai"))
        task.withLock { $0 = Task { try await app.runService() } }
        try await waitUntil("fake server") { port.value != nil }
    }

    public func stop() async {
        let running = task.value
        running?.cancel()
        _ = try? await running?.value
    }

    private func reject(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = #"{"error":{"message":"\#(message)","type":"invalid_request_error","param":null,"code":null}}"#
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func chat(_ request: Request) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(key)" else { return reject(.unauthorized, "Invalid credentials in Authorization header") }
        guard request.headers[.contentType]?.hasPrefix("application/json") == true else { return reject(.unsupportedMediaType, "content-type must be application/json") }
        let body = try await request.body.collect(upTo: 1 << 20)
        let bytes = Data(body.readableBytesView)
        guard let json = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else { return reject(.badRequest, "body is not JSON") }
        guard json["model"] is String else { return reject(.badRequest, "model is required") }
        guard let messages = json["messages"] as? [[String: Any]], !messages.isEmpty,
              messages.allSatisfy({ ["system", "user", "assistant"].contains($0["role"] as? String ?? "") && $0["content"] is String })
        else { return reject(.badRequest, "messages must be a non-empty array of {role, content}") }
        if let maxTokens = json["max_tokens"], (maxTokens as? Int ?? 0) <= 0 { return reject(.badRequest, "max_tokens must be a positive integer") }
        if let temperature = json["temperature"], !(temperature is Double || temperature is Int) { return reject(.badRequest, "temperature must be a number") }
        received.withLock { $0.append(bytes) }
        let streamRequested = json["stream"] as? Bool ?? false

        let behaviour = script.withLock { $0.isEmpty ? .answer("default answer") : $0.removeFirst() }
        switch behaviour {
        case .answer(let text):
            guard !streamRequested else { return reject(.badRequest, "script expected a whole response") }
            let object: [String: Any] = [
                "id": "chatcmpl-1", "object": "chat.completion", "model": json["model"]!,
                "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": "stop"]],
                "usage": ["prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49],
            ]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))))
        case .stream(let pieces, let chunkBytes, let lineEnding):
            guard streamRequested else { return reject(.badRequest, "script expected a stream request") }
            var text = ": keep-alive comment\(lineEnding)\(lineEnding)"
            text += "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\(lineEnding)\(lineEnding)"
            for piece in pieces {
                let chunk: [String: Any] = ["object": "chat.completion.chunk", "choices": [["index": 0, "delta": ["content": piece], "finish_reason": NSNull()]]]
                text += "data: " + String(decoding: try JSONSerialization.data(withJSONObject: chunk), as: UTF8.self) + lineEnding + lineEnding
            }
            text += "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":\(pieces.count),\"total_tokens\":\(40 + pieces.count)}}\(lineEnding)\(lineEnding)"
            text += "data: [DONE]\(lineEnding)\(lineEnding)"
            let bytes = Array(text.utf8)
            let responseBody = ResponseBody { writer in
                var index = 0
                while index < bytes.count {
                    let end = min(bytes.count, index + chunkBytes)
                    try await writer.write(ByteBuffer(bytes: bytes[index..<end]))
                    index = end
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: responseBody)
        case .status(let code, let body, let headers):
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            for (name, value) in headers { fields[.init(name)!] = value }
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .malformed:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"choices": "#)))
        case .slow(let delay):
            try await Task.sleep(for: delay)
            return reject(.ok, "too late")
        }
    }

    private func embeddings(_ request: Request, huggingFace: Bool) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(key)" else { return reject(.unauthorized, "Invalid credentials") }
        let body = try await request.body.collect(upTo: 1 << 20)
        let bytes = Data(body.readableBytesView)
        guard let json = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else { return reject(.badRequest, "body is not JSON") }
        let inputs = (huggingFace ? json["inputs"] : json["input"]) as? [String] ?? []
        guard !inputs.isEmpty, huggingFace || json["model"] is String else { return reject(.badRequest, "input and model are required") }
        received.withLock { $0.append(bytes) }
        // Vector i is (len(text), i+1, 0): easy to check, deliberately not unit length.
        let vectors = inputs.enumerated().map { index, text in [Double(text.count), Double(index + 1), 0] }
        let object: Any = huggingFace
            ? vectors
            : ["object": "list", "data": vectors.enumerated().reversed().map { ["object": "embedding", "index": $0.offset, "embedding": $0.element] }, "model": json["model"]!]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))))
    }
}
