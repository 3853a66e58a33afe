import RAGCore

/// Settings of the Retriever role.
public struct RetrieverConfiguration: Sendable {
    /// Attempts per embedder or index call when it fails transiently (always within the deadline).
    public var providerAttempts = 4
    /// Answer selection: candidates asked of the index, fusion weights, thresholds.
    public var scoring = AnswerScoring.default
    /// How long a starting retriever waits for the knowledge models before it takes questions anyway.
    public var modelsWaitLimit: Duration = .seconds(30)

    public init() {}
}
