import RAGCore

/// The latest `KnowledgeModel` of each namespace, as `rag.knowledge.models` delivers them.
public actor KnowledgeModels {
    private var byNamespace: [String: KnowledgeModel] = [:]

    public init(_ models: [KnowledgeModel] = []) {
        for model in models { byNamespace[model.namespace] = model }
    }

    /// Keeps `model` unless a newer one of its namespace is already here (records may be read again).
    public func update(_ model: KnowledgeModel) {
        if let current = byNamespace[model.namespace], current.builtAt > model.builtAt { return }
        byNamespace[model.namespace] = model
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
