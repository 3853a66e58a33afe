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
