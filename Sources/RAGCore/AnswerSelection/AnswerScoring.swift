import Configuration

/// The knobs of answer selection (DESIGN 11). Their defaults were chosen on training data only (banking77's
/// examples beyond the first five per intent, CLINC150's validation splits); see BENCHMARKS.md.
public struct AnswerScoring: Sendable, Hashable {
    /// Temperature of the soft maximum over an answer group's vectors.
    public var temperature = 0.1
    /// Weight of the hubness correction: a vector's score drops by `hubnessWeight / 2` times its mean cosine
    /// to its nearest neighbours, so that entries close to everything stop winning everything.
    public var hubnessWeight = 1.0
    /// Weight of BM25, normalised by the best candidate's, added to each vector's cosine.
    public var lexicalWeight = 0.2
    /// Weight of the classifier's log-probability of the group.
    public var classifierWeight = 0.3
    /// Under this confidence the answer is `no_match`. The confidence is the best cosine among the chosen
    /// answer group's vectors: on validation data it abstains better than the fused score, whose classifier
    /// term is sure of itself even for questions the knowledge does not cover (BENCHMARKS.md). Nil: each
    /// namespace's calibrated threshold, else `fallbackThreshold`.
    public var noMatchThreshold: Double?
    /// The threshold of a namespace that cannot calibrate one (no answer has two questions) or has no
    /// knowledge model yet: 0.37 abstained on 90% of CLINC150's validation out-of-scope questions with one
    /// question per answer.
    public var fallbackThreshold = 0.37
    /// When the two best answers' fused scores are closer than this, the status is `clarify`.
    public var clarifyMargin = 0.01
    /// Vectors asked of the index per question, so that every candidate group brings most of its vectors.
    public var candidates = 50
    /// Neighbours averaged for each vector's hubness.
    public var hubnessNeighbours = 10
    /// Quantile of the knowledge's own leave-one-out confidences (each question against the rest of its
    /// answer group) taken as the calibrated threshold.
    public var calibrationQuantile = 0.065
    /// L2 penalty of the answer classifier, per vector; smaller trusts the knowledge's own questions more.
    public var classifierPenalty = 0.0001
    /// Full passes of gradient descent when fitting the classifier.
    public var classifierEpochs = 150

    public init() {}

    public static let `default` = AnswerScoring()
}

extension Settings {
    public static let noMatchThreshold = Setting("ragline.no.match.threshold", default: "(calibrated per namespace at ingestion; \(AnswerScoring.default.fallbackThreshold) without a calibration)", roles: "retriever, responder", "Overrides the confidence (the chosen answer's best cosine) under which the answer is `no_match`; `ragline eval --calibrate` finds one from a golden set.")
    public static let clarifyMargin = Setting("ragline.clarify.margin", default: "\(AnswerScoring.default.clarifyMargin)", roles: "retriever, responder", "When the two best answers' fused scores are closer than this, the answer is `clarify` (\"did you mean\"); 0 turns it off.")
    public static let retrievalCandidates = Setting("ragline.retrieval.candidates", default: "\(AnswerScoring.default.candidates)", roles: "retriever", "Vectors asked of the index per question, grouped into answers before the best `top_k` are kept.")
    public static let scoringTemperature = Setting("ragline.scoring.temperature", default: "\(AnswerScoring.default.temperature)", roles: "retriever, ingest-worker", "Temperature of the soft maximum over an answer group's vectors.")
    public static let hubnessWeight = Setting("ragline.scoring.hubness.weight", default: "\(AnswerScoring.default.hubnessWeight)", roles: "retriever, ingest-worker", "Weight of the hubness correction (a vector loses weight/2 times its mean cosine to its \(AnswerScoring.default.hubnessNeighbours) nearest neighbours).")
    public static let lexicalWeight = Setting("ragline.scoring.lexical.weight", default: "\(AnswerScoring.default.lexicalWeight)", roles: "retriever, ingest-worker", "Weight of normalised BM25 added to each vector's cosine.")
    public static let classifierWeight = Setting("ragline.scoring.classifier.weight", default: "\(AnswerScoring.default.classifierWeight)", roles: "retriever, ingest-worker", "Weight of the answer classifier's log-probability in the fused score.")
    public static let classifierPenalty = Setting("ragline.classifier.penalty", default: "\(AnswerScoring.default.classifierPenalty)", roles: "ingest-worker", "L2 penalty of the answer classifier fitted at ingestion.")
    public static let calibrationQuantile = Setting("ragline.calibration.quantile", default: "\(AnswerScoring.default.calibrationQuantile)", roles: "ingest-worker", "Quantile of the knowledge's own leave-one-out confidences (each question against the rest of its answer group) taken as a namespace's no-match threshold.")
}

extension AnswerScoring: ConfigurationSection {
    public static let settings: [Setting] = [
        Settings.noMatchThreshold, Settings.clarifyMargin, Settings.retrievalCandidates, Settings.scoringTemperature, Settings.hubnessWeight,
        Settings.lexicalWeight, Settings.classifierWeight, Settings.classifierPenalty, Settings.calibrationQuantile,
    ]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        if let text = reader.optionalString(Settings.noMatchThreshold) {
            guard let threshold = Double(text) else { throw ConfigurationError(setting: Settings.noMatchThreshold, problem: "must be a number, got \"\(text)\"") }
            noMatchThreshold = threshold
        }
        clarifyMargin = try reader.double(Settings.clarifyMargin, default: d.clarifyMargin)
        guard clarifyMargin >= 0 else { throw ConfigurationError(setting: Settings.clarifyMargin, problem: "must be 0 or more") }
        candidates = try reader.positiveInt(Settings.retrievalCandidates, default: d.candidates)
        temperature = try reader.positiveDouble(Settings.scoringTemperature, default: d.temperature)
        hubnessWeight = try reader.double(Settings.hubnessWeight, default: d.hubnessWeight)
        lexicalWeight = try reader.double(Settings.lexicalWeight, default: d.lexicalWeight)
        classifierWeight = try reader.double(Settings.classifierWeight, default: d.classifierWeight)
        classifierPenalty = try reader.double(Settings.classifierPenalty, default: d.classifierPenalty)
        calibrationQuantile = try reader.double(Settings.calibrationQuantile, default: d.calibrationQuantile)
        guard (0...1).contains(calibrationQuantile) else { throw ConfigurationError(setting: Settings.calibrationQuantile, problem: "must be between 0 and 1") }
    }
}
