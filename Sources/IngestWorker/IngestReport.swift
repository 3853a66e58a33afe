import Foundation
import RAGCore

/// What ingesting one object did: logged, counted in metrics, published to `rag.ingest.reports` (as the
/// `KnowledgeIngested` event that `event(status:error:)` makes of it), and printed by `ragline ingest`.
public struct IngestReport: Sendable, Hashable, CustomStringConvertible {
    public typealias Operation = KnowledgeIngested.Operation
    public typealias RejectedLine = KnowledgeIngested.RejectedLine

    public var key: String
    /// The namespace the object's key implies (lines may name others).
    public var namespace: String
    /// `put` for an ingested object, `delete` for a removed one; nil only when a notification could not be read.
    public var operation: Operation?
    public var accepted = 0
    /// Every rejected line, in file order (the event lists the first `KnowledgeIngested.maxRejectedLines`).
    public var rejected: [RejectedLine] = []
    /// Entries removed because the new version of the file no longer has them, or the file was deleted.
    public var deleted = 0
    /// Accepted entries whose questions, answer and context equal what the index held for them before.
    public var unchanged = 0
    /// Namespaces the object's entries live in (and the one its key implies), whose knowledge models need a refit.
    public var namespaces: Set<String> = []
    /// The embedder's model id.
    public var embeddingModel = ""
    public var startedAt = Date()
    public var finishedAt = Date()
    public var duration: Duration = .zero

    public init(key: String) {
        self.key = key
        self.namespace = KnowledgeSource(bucket: "", key: key).namespace
    }

    public init(source: KnowledgeSource, operation: Operation?, embeddingModel: String, startedAt: Date = Date()) {
        self.key = source.key
        self.namespace = source.namespace
        self.operation = operation
        self.embeddingModel = embeddingModel
        self.startedAt = startedAt
        self.finishedAt = startedAt
    }

    /// Stamps the end: `finishedAt` is now, `duration` the time since `start`.
    public mutating func finish(since start: ContinuousClock.Instant, now: Date = Date()) {
        finishedAt = now
        duration = ContinuousClock.now - start
    }

    public var description: String {
        "\(key): \(accepted) accepted, \(rejected.count) rejected, \(deleted) deleted, \(unchanged) unchanged"
    }

    /// The report as its `rag.ingest.reports` event: the counts, the first rejected lines, the model and the times.
    public func event(status: KnowledgeIngested.Status = .completed, error: String? = nil, id: String = RandomIDs.uuid()) -> KnowledgeIngested {
        let listed = Array(rejected.prefix(KnowledgeIngested.maxRejectedLines))
        return KnowledgeIngested(
            id: id, key: key, namespace: namespace, operation: operation, status: status,
            accepted: accepted, rejected: rejected.count, deleted: deleted, unchanged: unchanged,
            rejectedLines: listed, rejectedLinesTruncated: rejected.count - listed.count,
            embeddingModel: embeddingModel, startedAt: startedAt, finishedAt: finishedAt,
            durationMilliseconds: duration.milliseconds, error: error
        )
    }
}
