import Foundation
import Logging
import Messaging
import RAGCore

/// Refits a namespace's `KnowledgeModel` from every vector the index holds for it, and publishes it to
/// the compacted `rag.knowledge.models` topic, keyed by namespace, for every retriever to read. Run after
/// each applied object, so the model always follows the files (a deleted entry leaves it too).
public struct KnowledgeModelPublisher: Sendable {
    let index: any VectorIndex
    let embeddingModel: String
    let fitter: KnowledgeModelFitter
    let publisher: EventPublisher
    let logger: Logger

    public init(index: any VectorIndex, embeddingModel: String, fitter: KnowledgeModelFitter, publisher: EventPublisher, logger: Logger) {
        self.index = index
        self.embeddingModel = embeddingModel
        self.fitter = fitter
        self.publisher = publisher
        self.logger = logger
    }

    public func refresh(_ namespaces: Set<String>) async throws {
        for namespace in namespaces.sorted() {
            // Stamped when the vectors are read, so of two refits the one that saw the later index wins.
            let readAt = Date()
            let vectors = try await index.vectors(in: namespace)
            let start = ContinuousClock.now
            let model = await fit(namespace: namespace, vectors: vectors, readAt: readAt)
            try await publisher.publish(
                model, type: EventTypes.knowledgeModelUpdated, topic: Topics.knowledgeModels, key: namespace, trace: .random()
            )
            logger.info("knowledge model published", metadata: [
                "namespace": "\(namespace)", "vectors": "\(vectors.count)", "groups": "\(model.groupSizes.count)",
                "classifier": "\(model.classifier != nil)", "threshold": "\(model.calibratedThreshold.map { String(format: "%.3f", $0) } ?? "none")",
                "fit_ms": "\((ContinuousClock.now - start).milliseconds)",
            ])
        }
    }

    /// Refits and publishes every namespace the index holds: what an ingest worker does at start, because
    /// the topic can have lost what the index still holds (the embedded broker of `ragline dev` starts
    /// empty while the local index is kept). Harmless on a topic that has them: it is compacted by
    /// namespace, and retrievers keep the model fitted from the later index. A failure is logged; the next
    /// applied object refits its namespaces anyway.
    public func refreshAll() async {
        do {
            let namespaces = try await index.namespaces()
            guard !namespaces.isEmpty else { return }
            try await refresh(Set(namespaces))
        } catch {
            logger.warning("knowledge models not republished at start", metadata: [LogKeys.error: "\(error)"])
        }
    }

    /// Fitting is seconds of CPU for a large namespace: run it on its own thread, not the cooperative pool.
    func fit(namespace: String, vectors: [KnowledgeVector], readAt: Date) async -> KnowledgeModel {
        let fitter = self.fitter, embeddingModel = self.embeddingModel
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: fitter.fit(namespace: namespace, embeddingModel: embeddingModel, vectors: vectors, now: readAt))
            }
        }
    }
}
