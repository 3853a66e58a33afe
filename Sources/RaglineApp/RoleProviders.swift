import IngestWorker
import Metrics
import RAGCore

/// The providers the roles of one process share, each made once from the configuration and only when a
/// role in the process needs it (`Role.Needs`). Asking for one that no role declared is a wiring error,
/// not a crash.
public struct RoleProviders: Sendable {
    public let needs: Role.Needs
    private let embedderValue: (any Embedder)?
    private let indexValue: (any VectorIndex)?
    private let chatModelValue: (any ChatModel)?
    private let objectStoreValue: (any ObjectStore)?

    /// - Parameter objectStore: replaces the configured object store (`ragline ingest` reads local files).
    public init(needs: Role.Needs, configuration: RaglineConfiguration, objectStore: (any ObjectStore)? = nil) throws {
        self.needs = needs
        embedderValue = needs.contains(.embedder)
            ? try Self.batching(ProviderFactory.embedder(configuration), configuration.providers, concurrentBatches: ProviderFactory.concurrentBatches(configuration))
            : nil
        // The index is bound to the embedder's model: vectors of two models never mix.
        indexValue = needs.contains(.index) ? try ProviderFactory.index(configuration, embedder: embedderValue) : nil
        chatModelValue = needs.contains(.chatModel) ? try ProviderFactory.chatModel(configuration) : nil
        objectStoreValue = needs.contains(.objectStore) ? try objectStore ?? ProviderFactory.objectStore(configuration) : nil
    }

    /// Questions (and knowledge lines) that arrive together share a forward pass.
    static func batching(_ embedder: any Embedder, _ selection: ProviderSelection, concurrentBatches: Int) -> any Embedder {
        guard selection.embedBatchMaxSize > 1 else { return embedder }
        let sizes = Recorder(label: "ragline_embed_batch_texts", aggregate: true)
        return BatchingEmbedder(
            embedder, maxBatchSize: selection.embedBatchMaxSize, maxWait: selection.embedBatchMaxWait, maxConcurrentBatches: concurrentBatches
        ) { sizes.record($0) }
    }

    public func embedder() throws -> any Embedder { try require(embedderValue, "an embedder") }
    public func index() throws -> any VectorIndex { try require(indexValue, "a vector index") }
    public func chatModel() throws -> any ChatModel { try require(chatModelValue, "a chat model") }
    public func objectStore() throws -> any ObjectStore { try require(objectStoreValue, "an object store") }

    private func require<Provider>(_ provider: Provider?, _ name: String) throws -> Provider {
        guard let provider else { throw WiringError(description: "no role in this process declared that it needs \(name) (Role.needs)") }
        return provider
    }
}

/// A role asked for something its entry in `Role.needs` does not list: a programming error in the wiring,
/// reported as one line at start.
public struct WiringError: Error, CustomStringConvertible {
    public let description: String
}

extension Role.Needs {
    /// What a process running `roles` needs.
    public static func of(_ roles: [Role]) -> Role.Needs {
        roles.reduce(into: Role.Needs()) { $0.formUnion($1.needs) }
    }
}

extension RoleProviders {
    /// The ingest worker's ingestor over these providers: what the role and `ragline ingest` both run.
    public func knowledgeIngestor(_ configuration: RaglineConfiguration) throws -> KnowledgeIngestor {
        KnowledgeIngestor(store: try objectStore(), embedder: try embedder(), index: try index(), batchSize: configuration.ingest.embedBatchSize)
    }
}
