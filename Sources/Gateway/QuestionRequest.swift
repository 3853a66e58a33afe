import Foundation
import RAGCore

/// A validated `POST /v1/chat` or `POST /v1/questions` body.
struct QuestionRequest: Sendable {
    var question: String
    var namespace: String?
    var topK: Int
    var callbackURL: URL?
    /// Answer as server-sent events (`"stream": true`, or `Accept: text/event-stream`).
    var stream = false

    struct Limits: Sendable {
        var maxQuestionLength: Int
        var defaultTopK: Int
        var maxTopK: Int
    }

    /// Parses the body; every problem becomes a 400 naming the field and what is wrong with it.
    static func parse(_ body: Data, limits: Limits, allowCallback: Bool, callbackPolicy: CallbackTargetPolicy) throws(APIError) -> QuestionRequest {
        guard !body.isEmpty else { throw .invalid("request body is empty; send a JSON object such as {\"question\": \"...\"}") }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            throw .invalid("request body is not valid JSON")
        }
        guard case .object(let fields) = root else { throw .invalid("request body must be a JSON object, not \(root.typeName)") }

        guard let questionValue = fields["question"] else { throw .invalid("field \"question\" is required") }
        guard case .string(let rawQuestion) = questionValue else { throw .invalid("field \"question\" must be a string, not \(questionValue.typeName)") }
        let question = try checkedQuestion(rawQuestion, field: "field \"question\"", limits: limits)

        var namespace: String?
        switch fields["namespace"] {
        case nil, .null?: break
        case .string(let text)? where KnowledgeLineParser.isValidNamespace(text): namespace = text
        case .string?: throw .invalid("field \"namespace\" must be 1-64 letters, digits, '-', '_' or '.'")
        case let other?: throw .invalid("field \"namespace\" must be a string, not \(other.typeName)")
        }

        var topK = limits.defaultTopK
        switch fields["top_k"] {
        case nil, .null?: break
        case .number(let number)? where number == number.rounded() && (1...Double(limits.maxTopK)).contains(number): topK = Int(number)
        case .number?: throw .invalid("field \"top_k\" must be an integer from 1 to \(limits.maxTopK)")
        case let other?: throw .invalid("field \"top_k\" must be a number, not \(other.typeName)")
        }

        var callbackURL: URL?
        switch fields["callback_url"] {
        case nil, .null?: break
        case .string(let text)? where allowCallback:
            callbackURL = try callbackPolicy.validate(text)
        case .string?: throw .invalid("field \"callback_url\" is only accepted by POST /v1/questions")
        case let other?: throw .invalid("field \"callback_url\" must be a string, not \(other.typeName)")
        }
        var stream = false
        switch fields["stream"] {
        case nil, .null?: break
        case .bool(let value)? where !allowCallback: stream = value
        case .bool?: throw .invalid("field \"stream\" is only accepted by POST /v1/chat; poll or use callback_url here")
        case let other?: throw .invalid("field \"stream\" must be a boolean, not \(other.typeName)")
        }
        return QuestionRequest(question: question, namespace: namespace, topK: topK, callbackURL: callbackURL, stream: stream)
    }

    /// The question trimmed, or 400 (empty, control characters) or 413 (too long) naming `field`.
    static func checkedQuestion(_ raw: String, field: String, limits: Limits) throws(APIError) -> String {
        let question = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !question.isEmpty else { throw .invalid("\(field) is empty") }
        if let control = question.unicodeScalars.first(where: isRefusedControl) {
            throw .invalid("\(field) contains the control character \(codePoint(control)); remove it (tab, newline and carriage return are allowed)")
        }
        guard question.count <= limits.maxQuestionLength else {
            throw APIError(.contentTooLarge, code: "question_too_long", message: "\(field) has \(question.count) characters; the limit is \(limits.maxQuestionLength)")
        }
        return question
    }

    /// A question that came another way (the OpenAI-compatible endpoint), checked as `parse` checks one.
    static func validated(question raw: String, namespace: String?, topK: Int, limits: Limits) throws(APIError) -> QuestionRequest {
        QuestionRequest(question: try checkedQuestion(raw, field: "the last user message", limits: limits), namespace: namespace, topK: topK, callbackURL: nil)
    }

    /// Control characters (C0, DEL, C1: NUL, ESC, backspace, ...) are refused: they have no place in a
    /// question and can corrupt logs or terminals downstream. Tab, newline and carriage return are allowed:
    /// pasted multi-line questions carry them, and the question only ever travels JSON-encoded (events,
    /// prompts, answers) and is not logged, so they cannot break a record or forge a log line.
    static func isRefusedControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control && scalar != "\t" && scalar != "\n" && scalar != "\r"
    }

    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Refuses (415) a `Content-Type` other than `application/json`. Parameters may follow (`; charset=utf-8`)
    /// and compare case-insensitively, as the type does; a charset other than UTF-8 is refused too, since
    /// JSON is UTF-8 (RFC 8259). A request without the header is read as JSON.
    static func checkContentType(_ value: String?) throws(APIError) {
        guard let value else { return }
        let parts = value.split(separator: ";", omittingEmptySubsequences: false)
        let mediaType = (parts.first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "send the body as application/json, not \(mediaType.prefix(100))")
        }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
            let charset = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" \t")).lowercased()
            guard charset == "utf-8" || charset == "utf8" else {
                throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "send the JSON body as UTF-8 (charset=utf-8), not charset=\(charset.prefix(40))")
            }
        }
    }
}
