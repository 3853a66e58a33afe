/// One entry of a knowledge base: an approved answer to a question (DESIGN 3).
public struct KnowledgeRecord: Sendable, Hashable, Codable {
    public var id: String
    public var question: String
    public var answer: String
    public var context: String
    /// Other wordings of `question` (`alternate_questions`); each is embedded as its own vector of this entry.
    public var alternateQuestions: [String]
    /// Overrides the namespace that the object key implies.
    public var namespace: String?
    /// Fields the record carried that Ragline does not interpret; kept as metadata.
    public var extra: [String: JSONValue]

    public init(
        id: String, question: String, answer: String, context: String = "", alternateQuestions: [String] = [],
        namespace: String? = nil, extra: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.question = question
        self.answer = answer
        self.context = context
        self.alternateQuestions = alternateQuestions
        self.namespace = namespace
        self.extra = extra
    }

    /// The text embedded for this entry: its question, plus its context when it has one.
    public var embeddingText: String {
        embeddingText(for: question)
    }

    /// The text embedded for one of the entry's questions: the question, plus the context when there is one.
    public func embeddingText(for question: String) -> String {
        context.isEmpty ? question : question + "\n" + context
    }

    /// Every question of the entry with the id of its vector: the question itself first, then the alternates.
    public var questionVectors: [(vectorID: String, question: String)] {
        [(id, question)] + alternateQuestions.enumerated().map { (IndexEntry.alternateVectorID(entry: id, number: $0.offset + 1), $0.element) }
    }
}

/// Where a record came from and where it lives in the index.
public struct KnowledgeSource: Sendable, Hashable {
    public var bucket: String
    public var key: String

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    /// The namespace a key implies: `knowledge/<namespace>/<file>.jsonl`, else `default`.
    public var namespace: String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count >= 3, parts[0] == "knowledge" { return String(parts[1]) }
        if parts.count == 2 { return String(parts[0]) }
        return KnowledgeSource.defaultNamespace
    }

    public static let defaultNamespace = "default"

    /// Whether the key names a knowledge file Ragline ingests.
    public var isKnowledgeFile: Bool {
        key.lowercased().hasSuffix(".jsonl")
    }
}
