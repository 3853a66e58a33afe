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

    /// The body's fields that `parse` reads, each as the `JSONValue` the whole-body decode gives it (nil: absent).
    struct Fields: Sendable, Equatable {
        var question: JSONValue?
        var namespace: JSONValue?
        var topK: JSONValue?
        var callbackURL: JSONValue?
        var stream: JSONValue?

        init(question: JSONValue? = nil, namespace: JSONValue? = nil, topK: JSONValue? = nil, callbackURL: JSONValue? = nil, stream: JSONValue? = nil) {
            self.question = question
            self.namespace = namespace
            self.topK = topK
            self.callbackURL = callbackURL
            self.stream = stream
        }

        /// The fields of a whole-body `[String: JSONValue]` object.
        init(_ object: [String: JSONValue]) {
            self.init(
                question: object["question"], namespace: object["namespace"], topK: object["top_k"],
                callbackURL: object["callback_url"], stream: object["stream"]
            )
        }
    }

    /// One decoder for every request body: swift-foundation's `JSONDecoder` is `Sendable` (its options sit
    /// behind a lock and each `decode` has its own state), and these default options are never changed.
    private static let decoder = JSONDecoder()

    /// Parses the body; every problem becomes a 400 naming the field and what is wrong with it.
    static func parse(_ body: Data, limits: Limits, allowCallback: Bool, callbackPolicy: CallbackTargetPolicy) throws(APIError) -> QuestionRequest {
        try parse(body, limits: limits, allowCallback: allowCallback, callbackPolicy: callbackPolicy, fastPath: true)
    }

    /// `parse`, with the fast decode (`fastFields`) tried first or not at all; the result, accepted or refused
    /// with the same error, is the same either way (tests compare the two).
    static func parse(_ body: Data, limits: Limits, allowCallback: Bool, callbackPolicy: CallbackTargetPolicy, fastPath: Bool) throws(APIError) -> QuestionRequest {
        guard !body.isEmpty else { throw .invalid("request body is empty; send a JSON object such as {\"question\": \"...\"}") }
        let fields: Fields
        if fastPath, let fast = fastFields(body) {
            fields = fast
        } else {
            fields = try slowFields(body)
        }
        return try validatedRequest(fields, limits: limits, allowCallback: allowCallback, callbackPolicy: callbackPolicy)
    }

    /// The fields by a direct decode of the object's members, without the `JSONValue` tree of the whole body
    /// and the errors its `init(from:)` throws while it tries each type. Nil, so that `slowFields` decides and
    /// words the error, whenever the body is not an object whose known members have their expected types
    /// (or null): this only ever accepts a body `slowFields` accepts, with the same field values.
    static func fastFields(_ body: Data) -> Fields? {
        try? decoder.decode(FastBody.self, from: body).fields
    }

    /// The fields by decoding the whole body as a `JSONValue`: the reference, and the source of the errors.
    static func slowFields(_ body: Data) throws(APIError) -> Fields {
        let root: JSONValue
        do {
            root = try decoder.decode(JSONValue.self, from: body)
        } catch {
            throw .invalid("request body is not valid JSON")
        }
        guard case .object(let object) = root else { throw .invalid("request body must be a JSON object, not \(root.typeName)") }
        return Fields(object)
    }

    /// The request the fields describe, or the first problem with them (in the order question, namespace,
    /// top_k, callback_url, stream).
    private static func validatedRequest(_ fields: Fields, limits: Limits, allowCallback: Bool, callbackPolicy: CallbackTargetPolicy) throws(APIError) -> QuestionRequest {
        guard let questionValue = fields.question else { throw .invalid("field \"question\" is required") }
        guard case .string(let rawQuestion) = questionValue else { throw .invalid("field \"question\" must be a string, not \(questionValue.typeName)") }
        let question = try checkedQuestion(rawQuestion, field: "field \"question\"", limits: limits)

        var namespace: String?
        switch fields.namespace {
        case nil, .null?: break
        case .string(let text)? where KnowledgeLineParser.isValidNamespace(text): namespace = text
        case .string?: throw .invalid("field \"namespace\" must be 1-64 letters, digits, '-', '_' or '.'")
        case let other?: throw .invalid("field \"namespace\" must be a string, not \(other.typeName)")
        }

        var topK = limits.defaultTopK
        switch fields.topK {
        case nil, .null?: break
        case .number(let number)? where number == number.rounded() && (1...Double(limits.maxTopK)).contains(number): topK = Int(number)
        case .number?: throw .invalid("field \"top_k\" must be an integer from 1 to \(limits.maxTopK)")
        case let other?: throw .invalid("field \"top_k\" must be a number, not \(other.typeName)")
        }

        var callbackURL: URL?
        switch fields.callbackURL {
        case nil, .null?: break
        case .string(let text)? where allowCallback:
            callbackURL = try callbackPolicy.validate(text)
        case .string?: throw .invalid("field \"callback_url\" is only accepted by POST /v1/questions")
        case let other?: throw .invalid("field \"callback_url\" must be a string, not \(other.typeName)")
        }
        var stream = false
        switch fields.stream {
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

/// The fast decode behind `QuestionRequest.fastFields`. Each member of the root object is decoded once, through
/// the same keyed container the whole-body decode uses (so a duplicate key resolves the same way: the first one
/// wins), and gives exactly the `JSONValue` that `JSONValue.init(from:)` would:
/// - null is `.null` in both;
/// - a known field is decoded as its expected type only (`String`, `Double` or `Bool`). Where that succeeds
///   the value is of that JSON type, so `JSONValue.init(from:)`, trying null, Bool, Double, String in turn,
///   would have made the same case with the same payload (same decoder, same number and string parsing;
///   strings are never read as numbers with the default non-conforming-float strategy). Where it fails
///   (another type, a number out of `Double`'s range, a bad string escape), the whole decode fails and
///   `slowFields` decides and words the error;
/// - any other member is decoded as a `JSONValue` and dropped, exactly as the whole-body decode decodes it,
///   so that a member the slow path cannot decode (a number out of range deep inside, say) fails here too.
private struct FastBody: Decodable {
    var fields = QuestionRequest.Fields()

    /// Any member name.
    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { return nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            switch key.stringValue {
            case "question": fields.question = try Self.string(container, key)
            case "namespace": fields.namespace = try Self.string(container, key)
            case "callback_url": fields.callbackURL = try Self.string(container, key)
            case "top_k":
                fields.topK = try container.decodeNil(forKey: key) ? JSONValue.null : JSONValue.number(container.decode(Double.self, forKey: key))
            case "stream":
                fields.stream = try container.decodeNil(forKey: key) ? JSONValue.null : JSONValue.bool(container.decode(Bool.self, forKey: key))
            default:
                _ = try container.decode(JSONValue.self, forKey: key)
            }
        }
    }

    private static func string(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> JSONValue {
        try container.decodeNil(forKey: key) ? JSONValue.null : JSONValue.string(container.decode(String.self, forKey: key))
    }
}
