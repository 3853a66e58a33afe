/// An answer group that a question may be asking for, with the parts of its fused score.
public struct ScoredAnswer: Sendable, Hashable, Codable {
    public var namespace: String
    public var groupKey: String
    /// The fused score the decision compares with the threshold.
    public var score: Double
    /// The best cosine of the group's vectors.
    public var dense: Double
    /// The best normalised BM25 of the group's vectors (0 to 1).
    public var lexical: Double
    /// The classifier's probability of the group, when the namespace has a classifier.
    public var classifier: Double?
    /// The group's entries among the candidates, best first (each entry once).
    public var entries: [RetrievedMatch]

    public init(namespace: String, groupKey: String, score: Double, dense: Double, lexical: Double, classifier: Double?, entries: [RetrievedMatch]) {
        self.namespace = namespace
        self.groupKey = groupKey
        self.score = score
        self.dense = dense
        self.lexical = lexical
        self.classifier = classifier
        self.entries = entries
    }

    enum CodingKeys: String, CodingKey {
        case namespace, groupKey = "group", score, dense, lexical, classifier, entries
    }
}

/// What the question gets: an answer, a "did you mean" with candidates, or an honest no-match.
public struct AnswerDecision: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let answered = AnswerDecision(rawValue: "answered")
    public static let clarify = AnswerDecision(rawValue: "clarify")
    public static let noMatch = AnswerDecision(rawValue: "no_match")

    public var status: AnswerStatus { AnswerStatus(rawValue: rawValue) }
    public var description: String { rawValue }
}

/// The outcome of `AnswerSelector`: the decision, why, and the ranked answers it was made from.
public struct AnswerSelection: Sendable, Hashable, Codable {
    public var decision: AnswerDecision
    public var reason: String
    /// The threshold the best score was compared with, and where it came from (`override`, `calibrated`, `fallback`).
    public var threshold: Double
    public var thresholdSource: String
    /// Ranked answers, best first (at most the question's top_k).
    public var answers: [ScoredAnswer]

    public init(decision: AnswerDecision, reason: String, threshold: Double, thresholdSource: String, answers: [ScoredAnswer]) {
        self.decision = decision
        self.reason = reason
        self.threshold = threshold
        self.thresholdSource = thresholdSource
        self.answers = answers
    }

    /// The entries the answer is grounded in: the chosen group's entries when answered, the best entry of
    /// each candidate answer for a "did you mean", none for no_match.
    public var references: [AnswerReference] {
        switch decision {
        case .answered:
            return (answers.first?.entries ?? []).map(\.reference)
        case .clarify:
            return answers.compactMap(\.entries.first).map(\.reference)
        default:
            return []
        }
    }

    /// The entries a model may ground on: the entries of every ranked answer whose confidence reaches the
    /// threshold, best answer first (the best answer's always, when answered).
    public var groundingMatches: [RetrievedMatch] {
        answers.enumerated().filter { $0.offset == 0 || $0.element.dense >= threshold }.flatMap(\.element.entries)
    }

    enum CodingKeys: String, CodingKey {
        case decision, reason, threshold, thresholdSource = "threshold_source", answers
    }
}

extension RetrievedMatch {
    public var reference: AnswerReference {
        AnswerReference(id: id, question: question, namespace: namespace, score: score)
    }
}

/// The answer's explanation, carried in `AnswerReady` and the HTTP answer: why this decision, against which
/// threshold, and how each candidate answer scored.
public struct AnswerDiagnostics: Sendable, Hashable, Codable {
    public struct Candidate: Sendable, Hashable, Codable {
        /// The candidate answer's best entry.
        public var id: String
        public var namespace: String
        public var score: Double
        public var dense: Double
        public var lexical: Double
        public var classifier: Double?

        enum CodingKeys: String, CodingKey { case id, namespace, score, dense, lexical, classifier }
    }

    public var decision: AnswerDecision
    public var reason: String
    public var threshold: Double
    public var thresholdSource: String
    public var candidates: [Candidate]

    public init(_ selection: AnswerSelection) {
        decision = selection.decision
        reason = selection.reason
        threshold = selection.threshold
        thresholdSource = selection.thresholdSource
        candidates = selection.answers.compactMap { answer in
            answer.entries.first.map {
                Candidate(id: $0.id, namespace: answer.namespace, score: answer.score, dense: answer.dense, lexical: answer.lexical, classifier: answer.classifier)
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case decision, reason, threshold, thresholdSource = "threshold_source", candidates
    }
}
