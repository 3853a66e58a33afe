/// One entry of a knowledge base: an approved answer to a question (DESIGN 3).
public struct KnowledgeRecord: Sendable, Hashable, Codable {
    public var id: String
    public var question: String
    public var answer: String
    public var context: String
    /// Overrides the namespace that the object key implies.
    public var namespace: String?
    /// Fields the record carried that Ragline does not interpret; kept as metadata.
    public var extra: [String: JSONValue]

    public init(id: String, question: String, answer: String, context: String = "", namespace: String? = nil, extra: [String: JSONValue] = [:]) {
        self.id = id
        self.question = question
        self.answer = answer
        self.context = context
        self.namespace = namespace
        self.extra = extra
    }

    /// The text embedded for this entry: its question, plus its context when it has one.
    public var embeddingText: String {
        context.isEmpty ? question : question + "\n" + context
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
