import Foundation
import Hummingbird
import NIOCore
import RAGCore

/// The OpenAI-compatible surface, so that any OpenAI client library or chat front end can ask Ragline:
/// `GET /v1/models` and `POST /v1/chat/completions`, whole or streamed (`chat.completion.chunk` server-sent
/// events ending in `data: [DONE]`). The last user message is the question; the model `ragline` searches
/// every namespace and `ragline/<namespace>` one. The answer's status and references travel in the
/// extension field `ragline` of the response (and of the final chunk). Errors take OpenAI's shape.
enum OpenAICompatibleAPI {
    static let modelPrefix = "ragline"

    /// A parsed `POST /v1/chat/completions` body.
    struct CompletionRequest: Sendable {
        var model: String
        var question: String
        var namespace: String?
        var stream: Bool
    }

    /// Parses the body; every problem is a 400 (404 for an unknown model) naming the field.
    static func parse(_ body: Data) throws(APIError) -> CompletionRequest {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            throw .invalid("request body is not valid JSON; send {\"model\": \"ragline\", \"messages\": [{\"role\": \"user\", \"content\": \"...\"}]}")
        }
        guard case .object(let fields) = root else { throw .invalid("request body must be a JSON object, not \(root.typeName)") }
        guard case .string(let model)? = fields["model"] else { throw .invalid("field \"model\" is required and must be a string, e.g. \"ragline\"") }
        var namespace: String?
        if model != modelPrefix {
            guard model.hasPrefix(modelPrefix + "/"), case let name = String(model.dropFirst(modelPrefix.count + 1)), KnowledgeLineParser.isValidNamespace(name) else {
                throw APIError(.notFound, code: "model_not_found", message: "the model \"\(model.prefix(100))\" does not exist; use \"ragline\" (every namespace) or \"ragline/<namespace>\"")
            }
            namespace = name
        }
        guard case .array(let messages)? = fields["messages"], !messages.isEmpty else {
            throw .invalid("field \"messages\" is required: a non-empty array of {\"role\", \"content\"}")
        }
        var question: String?
        for (index, message) in messages.enumerated() {
            guard case .object(let parts) = message, case .string(let role)? = parts["role"] else {
                throw .invalid("messages[\(index)] must be an object with a string \"role\"")
            }
            let content: String?
            switch parts["content"] {
            case .string(let text)?: content = text
            case .array(let pieces)?:
                // Content parts: the text parts, joined; images and audio are not questions Ragline can read.
                let texts = pieces.compactMap { piece -> String? in
                    guard case .object(let fields) = piece, case .string("text")? = fields["type"], case .string(let text)? = fields["text"] else { return nil }
                    return text
                }
                content = texts.isEmpty ? nil : texts.joined(separator: "\n")
            case nil, .null?: content = nil
            case let other?: throw .invalid("messages[\(index)].content must be a string or an array of content parts, not \(other.typeName)")
            }
            if role == "user", let content { question = content }
        }
        guard let question else { throw .invalid("field \"messages\" has no user message with text content: the last one is the question") }
        var stream = false
        switch fields["stream"] {
        case nil, .null?: break
        case .bool(let value)?: stream = value
        case let other?: throw .invalid("field \"stream\" must be a boolean, not \(other.typeName)")
        }
        if let n = fields["n"], n != .number(1), n != .null {
            throw .invalid("field \"n\" must be 1: Ragline gives one answer")
        }
        return CompletionRequest(model: model, question: question, namespace: namespace, stream: stream)
    }

    /// `GET /v1/models`.
    static func models(created: Int) -> [String: Any] {
        ["object": "list", "data": [["id": modelPrefix, "object": "model", "created": created, "owned_by": "ragline"]]]
    }

    /// The `ragline` extension field: the answer's id, status and references (and the error of a failed one).
    static func extensionField(_ answer: AnswerReady) -> [String: Any] {
        var field: [String: Any] = [
            "id": answer.id, "status": answer.status.rawValue,
            "references": answer.references.map { reference -> [String: Any] in
                var entry: [String: Any] = ["id": reference.id, "question": reference.question]
                if let namespace = reference.namespace { entry["namespace"] = namespace }
                if let score = reference.score { entry["score"] = score }
                return entry
            },
        ]
        if let error = answer.error { field["error"] = error }
        return field
    }

    static func usage(_ answer: AnswerReady) -> [String: Int] {
        let prompt = answer.usage?.promptTokens ?? 0
        let completion = answer.usage?.completionTokens ?? 0
        return ["prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion]
    }

    /// A whole `chat.completion`.
    static func completion(_ answer: AnswerReady, model: String, created: Int) -> [String: Any] {
        [
            "id": "chatcmpl-\(answer.id)", "object": "chat.completion", "created": created, "model": model,
            "choices": [["index": 0, "message": ["role": "assistant", "content": answer.answer ?? ""], "finish_reason": "stop"]],
            "usage": usage(answer), modelPrefix: extensionField(answer),
        ]
    }

    /// One `chat.completion.chunk`.
    static func chunk(id: String, model: String, created: Int, delta: [String: Any], finishReason: String?, extra: [String: Any] = [:]) -> [String: Any] {
        var chunk: [String: Any] = [
            "id": "chatcmpl-\(id)", "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [["index": 0, "delta": delta, "finish_reason": finishReason as Any? ?? NSNull()]],
        ]
        chunk.merge(extra) { _, new in new }
        return chunk
    }

    /// `data: <json>\n\n`.
    static func event(_ object: [String: Any]) -> ByteBuffer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    /// Whether `path` speaks OpenAI (its errors take OpenAI's shape).
    /// The OpenAI-compatible routes and what lies below them (`/v1/models/...`), not mere prefixes of the
    /// name (`/v1/modelsX` is an unknown path of Ragline's own API).
    static func speaksOpenAI(_ path: String) -> Bool {
        ["/v1/chat/completions", "/v1/models"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }
}

/// An `APIError` in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
struct OpenAICompatibleError: Error, HTTPResponseError, Sendable {
    let base: APIError

    var status: HTTPResponse.Status { base.status }

    var type: String {
        switch base.status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "invalid_request_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let object: [String: Any] = ["error": ["message": base.message, "type": type, "param": NSNull(), "code": base.code]]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var fields = base.headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension GatewayService {
    func models() throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: OpenAICompatibleAPI.models(created: Self.startedAt), options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func chatCompletions(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await readJSONBody(request)
        let parsed = try OpenAICompatibleAPI.parse(body)
        let question = try QuestionRequest.validated(
            question: parsed.question, namespace: parsed.namespace, topK: configuration.defaultTopK, limits: questionLimits
        )
        let created = Int(Date().timeIntervalSince1970)
        guard parsed.stream else {
            let answer = try await askAndWait(question)
            try Self.refuseUnanswerable(answer)
            let data = try JSONSerialization.data(withJSONObject: OpenAICompatibleAPI.completion(answer, model: parsed.model, created: created), options: [.sortedKeys, .withoutEscapingSlashes])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        // Streamed: the role, the text as the responder writes it (its deltas through Kafka), and a final
        // chunk with the finish reason, the usage and `ragline`, then `[DONE]`.
        let asked = makeQuestion(question, timeout: configuration.chatTimeout, stream: true)
        let timeout = configuration.chatTimeout
        let model = parsed.model
        return try await eventStream(asked) { writer, events in
            func chunk(_ delta: [String: Any], finishReason: String? = nil, extra: [String: Any] = [:]) -> ByteBuffer {
                OpenAICompatibleAPI.event(OpenAICompatibleAPI.chunk(id: asked.id, model: model, created: created, delta: delta, finishReason: finishReason, extra: extra))
            }
            try await writer.write(chunk(["role": "assistant", "content": ""]))
            var streamed = ""
            var answered = false
            for await event in events {
                switch event {
                case .delta(let delta) where delta.kind == .text:
                    try await writer.write(chunk(["content": delta.text ?? ""]))
                    streamed += delta.text ?? ""
                case .delta:
                    continue
                case .answer(let answer):
                    if let rest = AnswerStreams.remainder(of: answer.answer, after: streamed) { try await writer.write(chunk(["content": rest])) }
                    try await writer.write(chunk([:], finishReason: "stop", extra: [
                        "usage": OpenAICompatibleAPI.usage(answer), OpenAICompatibleAPI.modelPrefix: OpenAICompatibleAPI.extensionField(answer),
                    ]))
                    answered = true
                }
            }
            if !answered {
                try await writer.write(OpenAICompatibleAPI.event(["error": [
                    "message": "no answer within \(timeout); poll GET /v1/questions/\(asked.id)", "type": "server_error", "param": NSNull(), "code": "deadline_exceeded",
                ]]))
            }
            try await writer.write(OpenAICompatibleAPI.done)
        }
    }

    /// A `failed` or `expired` answer is an error to an OpenAI client, not a completion.
    static func refuseUnanswerable(_ answer: AnswerReady) throws {
        switch answer.status {
        case .failed: throw APIError(.badGateway, code: "answer_failed", message: answer.error ?? "the answer could not be written", extra: ["id": answer.id])
        case .expired: throw APIError(.gatewayTimeout, code: "deadline_exceeded", message: "the question expired before it was answered", extra: ["id": answer.id])
        default: return
        }
    }

    /// When this process started, the `created` of the models it lists.
    static let startedAt = Int(Date().timeIntervalSince1970)
}
