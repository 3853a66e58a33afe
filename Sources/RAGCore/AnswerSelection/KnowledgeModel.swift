import Foundation

/// What answer selection knows about one namespace beyond its vectors, fitted by ingestion from the
/// namespace's entries and kept beside the index (published on `rag.knowledge.models`, keyed by namespace).
public struct KnowledgeModel: Sendable, Hashable, Codable {
    public var schemaVersion = 1
    public var namespace: String
    /// The embedder the vectors (and so the classifier) belong to.
    public var embeddingModel: String
    public var builtAt: Date
    /// Vectors per answer group (an entry's question and each alternate question count once each).
    public var groupSizes: [String: Int]
    public var lexical: LexicalStatistics
    /// Mean cosine of each vector to its nearest other vectors (hubness), by vector id.
    public var hubness: [String: Float]
    public var classifier: AnswerClassifier?
    /// The no-match threshold on the fused score, derived from the knowledge; nil when the knowledge
    /// cannot tell (no group has two questions).
    public var calibratedThreshold: Double?

    public init(
        namespace: String, embeddingModel: String, builtAt: Date, groupSizes: [String: Int], lexical: LexicalStatistics,
        hubness: [String: Float], classifier: AnswerClassifier?, calibratedThreshold: Double?
    ) {
        self.namespace = namespace
        self.embeddingModel = embeddingModel
        self.builtAt = builtAt
        self.groupSizes = groupSizes
        self.lexical = lexical
        self.hubness = hubness
        self.classifier = classifier
        self.calibratedThreshold = calibratedThreshold
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", namespace, embeddingModel = "embedding_model", builtAt = "built_at"
        case groupSizes = "group_sizes", lexical, hubness, classifier, calibratedThreshold = "calibrated_threshold"
    }
}

/// Term statistics of a namespace for BM25: one document per vector (its question, plus the entry's context).
public struct LexicalStatistics: Sendable, Hashable, Codable {
    public var documentCount: Int
    public var averageLength: Double
    public var documentFrequency: [String: Int]

    public init(documentCount: Int, averageLength: Double, documentFrequency: [String: Int]) {
        self.documentCount = documentCount
        self.averageLength = averageLength
        self.documentFrequency = documentFrequency
    }

    /// BM25 (k1 = 1.5, b = 0.75) of a document's terms for a query's terms, each distinct query term once, in
    /// the query's order.
    ///
    /// Every question scores every candidate, and both are a handful of words: counting by comparison
    /// costs less than hashing them into a dictionary and a set.
    public func bm25(query: [String], document: [String]) -> Double {
        guard documentCount > 0, !document.isEmpty else { return 0 }
        let k1 = 1.5, b = 0.75
        let lengthNorm = 1 - b + b * Double(document.count) / max(averageLength, 1)
        var score = 0.0
        for (position, term) in query.enumerated() where !query[..<position].contains(term) {
            let frequency = document.reduce(0) { $1 == term ? $0 + 1 : $0 }
            guard frequency > 0 else { continue }
            let df = Double(documentFrequency[term] ?? 0)
            let idf = log(1 + (Double(documentCount) - df + 0.5) / (df + 0.5))
            let tf = Double(frequency)
            score += idf * tf * (k1 + 1) / (tf + k1 * lengthNorm)
        }
        return score
    }

    enum CodingKeys: String, CodingKey {
        case documentCount = "document_count", averageLength = "average_length", documentFrequency = "document_frequency"
    }
}

/// Multinomial logistic regression from a question's vector to its answer group, fitted on the entries'
/// own vectors. Weights are row-major, one row of `dimensions` per group.
public struct AnswerClassifier: Sendable, Hashable, Codable {
    public var groups: [String] {
        didSet { positions = Self.positions(of: groups) }
    }
    public var dimensions: Int
    public var weights: [Float]
    public var bias: [Float]
    /// Each group's position in `groups`, made once with them: every question looks up its candidates'
    /// groups, and hashing every group's answer per question grows with the namespace.
    private var positions: [String: Int]

    public init(groups: [String], dimensions: Int, weights: [Float], bias: [Float]) {
        self.groups = groups
        self.dimensions = dimensions
        self.weights = weights
        self.bias = bias
        self.positions = Self.positions(of: groups)
    }

    /// The position of the group `key` in `groups` (and in `logProbabilities`), or nil if the classifier does
    /// not know it.
    public func position(of key: String) -> Int? {
        positions[key]
    }

    private static func positions(of groups: [String]) -> [String: Int] {
        Dictionary(groups.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    enum CodingKeys: String, CodingKey { case groups, dimensions, weights, bias }

    /// Weights travel as base64 of little-endian float32 (a third of their JSON size): a namespace with
    /// 2,000 answers still fits one Kafka record.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        groups = try container.decode([String].self, forKey: .groups)
        dimensions = try container.decode(Int.self, forKey: .dimensions)
        bias = try container.decode([Float].self, forKey: .bias)
        let encoded = try container.decode(String.self, forKey: .weights)
        guard let data = Data(base64Encoded: encoded), data.count == groups.count * dimensions * 4, bias.count == groups.count else {
            throw DecodingError.dataCorruptedError(forKey: .weights, in: container, debugDescription: "weights are not \(groups.count) x \(dimensions) base64 float32 values")
        }
        let count = groups.count * dimensions
        weights = data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        positions = Self.positions(of: groups)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(groups, forKey: .groups)
        try container.encode(dimensions, forKey: .dimensions)
        try container.encode(bias, forKey: .bias)
        var data = Data(capacity: weights.count * 4)
        for weight in weights { withUnsafeBytes(of: weight.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try container.encode(data.base64EncodedString(), forKey: .weights)
    }

    /// Log-probability of each group for `vector`, in `groups` order.
    public func logProbabilities(_ vector: [Float]) -> [Double] {
        guard vector.count == dimensions else { return [] }
        var logits = [Double](repeating: 0, count: groups.count)
        weights.withUnsafeBufferPointer { w in
            vector.withUnsafeBufferPointer { x in
                for group in 0..<groups.count {
                    var sum: Float = bias[group]
                    let row = group * dimensions
                    for d in 0..<dimensions { sum += w[row + d] * x[d] }
                    logits[group] = Double(sum)
                }
            }
        }
        let top = logits.max() ?? 0
        let logSum = top + log(logits.reduce(0) { $0 + exp($1 - top) })
        return logits.map { $0 - logSum }
    }
}
