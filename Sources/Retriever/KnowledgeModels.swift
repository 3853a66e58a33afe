import RAGCore

/// The latest `KnowledgeModel` of each namespace, as `rag.knowledge.models` delivers them.
public actor KnowledgeModels {
    private var byNamespace: [String: KnowledgeModel] = [:]
    /// Whether every model published before this process started has been read.
    public private(set) var caughtUp: Bool

    /// - Parameter caughtUp: false when a `KnowledgeModelListener` will fill these and say when it has read
    ///   everything published before the start.
    public init(_ models: [KnowledgeModel] = [], caughtUp: Bool = true) {
        for model in models { byNamespace[model.namespace] = model }
        self.caughtUp = caughtUp
    }

    /// Keeps `model` unless a newer one of its namespace is already here (records may be read again).
    public func update(_ model: KnowledgeModel) {
        if let current = byNamespace[model.namespace], current.builtAt > model.builtAt { return }
        byNamespace[model.namespace] = model
    }

    public func markCaughtUp() {
        caughtUp = true
    }

    /// Returns once the models published before start are read, or after `limit` (the retriever then
    /// starts with what it has: fallback thresholds, no classifier, until the rest arrive).
    public func waitUntilCaughtUp(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !caughtUp, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return caughtUp
    }

    public func remove(namespace: String) {
        byNamespace[namespace] = nil
    }

    public func models(for namespaces: Set<String>) -> [String: KnowledgeModel] {
        byNamespace.filter { namespaces.contains($0.key) }
    }

    public var namespaces: [String] { byNamespace.keys.sorted() }

    /// Vectors each namespace's model was fitted on (to tell when a retriever has caught up with ingestion).
    public func vectorCounts() -> [String: Int] {
        byNamespace.mapValues { $0.groupSizes.values.reduce(0, +) }
    }
}
