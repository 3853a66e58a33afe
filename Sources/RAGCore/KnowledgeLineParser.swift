import Foundation

/// Why a knowledge line was rejected. Carries the line number so reports can point at it.
public struct KnowledgeLineError: Error, Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

/// Parses and validates one JSONL line into a `KnowledgeRecord` (DESIGN 3).
public struct KnowledgeLineParser: Sendable {
    public struct Limits: Sendable {
        public var maxLineBytes = 256 * 1024
        public var maxIDLength = 512
        public var maxQuestionLength = 4_000
        public var maxAnswerLength = 32_000
        public var maxContextLength = 32_000
        public var maxAlternateQuestions = 100
        public init() {}
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    private static let knownFields: Set<String> = ["id", "question", "answer", "context", "namespace", "alternate_questions"]

    /// Returns nil for a blank line (skipped, not an error), the record, or an error with the reason.
    public func parse(_ line: Substring, number: Int) -> Result<KnowledgeRecord, KnowledgeLineError>? {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        func failure(_ reason: String) -> Result<KnowledgeRecord, KnowledgeLineError> {
            .failure(KnowledgeLineError(line: number, reason: reason))
        }
        if trimmed.utf8.count > limits.maxLineBytes {
            return failure("line is \(trimmed.utf8.count) bytes; the limit is \(limits.maxLineBytes)")
        }
        let object: [String: JSONValue]
        do {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8))
            guard case .object(let fields) = value else {
                return failure("expected a JSON object, found \(value.typeName)")
            }
            object = fields
        } catch {
            return failure("invalid JSON")
        }

        func requiredString(_ name: String, maxLength: Int) -> Result<String, KnowledgeLineError> {
            guard let value = object[name] else { return .failure(.init(line: number, reason: "missing field \"\(name)\"")) }
            guard case .string(let text) = value else {
                return .failure(.init(line: number, reason: "field \"\(name)\" must be a string, found \(value.typeName)"))
            }
            let content = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if content.isEmpty { return .failure(.init(line: number, reason: "field \"\(name)\" is empty")) }
            if content.count > maxLength {
                return .failure(.init(line: number, reason: "field \"\(name)\" has \(content.count) characters; the limit is \(maxLength)"))
            }
            return .success(content)
        }

        let id: String, question: String, answer: String
        switch requiredString("id", maxLength: limits.maxIDLength) {
        case .success(let value): id = value
        case .failure(let error): return .failure(error)
        }
        if id.contains("#alt-") {
            return failure("field \"id\" must not contain \"#alt-\" (alternate questions' vectors are named <id>#alt-<n>)")
        }
        switch requiredString("question", maxLength: limits.maxQuestionLength) {
        case .success(let value): question = value
        case .failure(let error): return .failure(error)
        }
        switch requiredString("answer", maxLength: limits.maxAnswerLength) {
        case .success(let value): answer = value
        case .failure(let error): return .failure(error)
        }

        var context = ""
        switch object["context"] {
        case nil, .null: break
        case .string(let text):
            if text.count > limits.maxContextLength {
                return failure("field \"context\" has \(text.count) characters; the limit is \(limits.maxContextLength)")
            }
            context = text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .some(let other): return failure("field \"context\" must be a string, found \(other.typeName)")
        }

        var namespace: String?
        switch object["namespace"] {
        case nil, .null: break
        case .string(let text) where Self.isValidNamespace(text): namespace = text
        case .string: return failure("field \"namespace\" must be 1-64 letters, digits, '-', '_' or '.'")
        case .some(let other): return failure("field \"namespace\" must be a string, found \(other.typeName)")
        }

        var alternates: [String] = []
        switch object["alternate_questions"] {
        case nil, .null: break
        case .array(let values):
            if values.count > limits.maxAlternateQuestions {
                return failure("field \"alternate_questions\" has \(values.count) questions; the limit is \(limits.maxAlternateQuestions)")
            }
            for (position, value) in values.enumerated() {
                guard case .string(let text) = value else {
                    return failure("field \"alternate_questions\"[\(position)] must be a string, found \(value.typeName)")
                }
                let content = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if content.isEmpty { return failure("field \"alternate_questions\"[\(position)] is empty") }
                if content.count > limits.maxQuestionLength {
                    return failure("field \"alternate_questions\"[\(position)] has \(content.count) characters; the limit is \(limits.maxQuestionLength)")
                }
                // A repeat of the question or of an earlier alternate would only weigh the entry twice.
                if content != question, !alternates.contains(content) { alternates.append(content) }
            }
        case .some(let other): return failure("field \"alternate_questions\" must be an array of strings, found \(other.typeName)")
        }

        let extra = object.filter { !Self.knownFields.contains($0.key) }
        return .success(KnowledgeRecord(
            id: id, question: question, answer: answer, context: context, alternateQuestions: alternates, namespace: namespace, extra: extra
        ))
    }

    public static func isValidNamespace(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }
}
