import Foundation
import Logging
import RAGCore

/// Applies one object change to the index: streams the JSONL file, validates each line, embeds the good
/// ones in batches, upserts them, then deletes what the previous version had and this one lacks
/// (DESIGN 3: a file is the unit of truth). Knows nothing of Kafka.
public struct KnowledgeIngestor: Sendable {
    public let store: any ObjectStore
    public let embedder: any Embedder
    public let index: any VectorIndex
    public let batchSize: Int
    public let parser: KnowledgeLineParser

    public init(store: any ObjectStore, embedder: any Embedder, index: any VectorIndex, batchSize: Int, parser: KnowledgeLineParser = .init()) {
        self.store = store
        self.embedder = embedder
        self.index = index
        self.batchSize = max(1, batchSize)
        self.parser = parser
    }

    /// Ingests the object. `rejected` is called for each bad line before ingestion continues, `progress`
    /// with the number of lines read after each batch. The report counts the entries that came out unchanged
    /// and carries the model and the times.
    public func ingest(
        _ source: KnowledgeSource,
        progress: @Sendable (_ linesRead: Int) -> Void = { _ in },
        rejected: @Sendable (_ line: Substring, _ error: KnowledgeLineError) async throws -> Void
    ) async throws -> IngestReport {
        let start = ContinuousClock.now
        var report = IngestReport(source: source, operation: .put, embeddingModel: embedder.modelID)
        // Namespaces the previous version of the file filled: a record may have moved to another namespace.
        let previous = try await index.namespaces(holdingSource: source.key)
        var kept: [String: Set<String>] = [:]
        var before = PreviousEntries(namespaces: previous)
        var batch: [KnowledgeRecord] = []
        var lineNumber = 0
        for try await line in store.lines(of: source) {
            lineNumber += 1
            switch parser.parse(line, number: lineNumber) {
            case nil: continue
            case .failure(let error)?:
                report.rejected.append(.init(line: error.line, reason: error.reason))
                try await rejected(line, error)
            case .success(let record)?:
                batch.append(record)
                if batch.count >= batchSize {
                    try await write(batch, source: source, kept: &kept, before: &before, unchanged: &report.unchanged)
                    report.accepted += batch.count
                    batch.removeAll(keepingCapacity: true)
                    progress(lineNumber)
                }
            }
        }
        if !batch.isEmpty {
            try await write(batch, source: source, kept: &kept, before: &before, unchanged: &report.unchanged)
            report.accepted += batch.count
        }
        progress(lineNumber)
        report.deleted = try await index.deleteEntries(fromSource: source.key, keeping: kept)
        report.namespaces = Set(kept.keys).union(previous).union([source.namespace])
        report.finish(since: start)
        return report
    }

    /// Removes every entry that came from the object.
    public func remove(_ source: KnowledgeSource) async throws -> IngestReport {
        let start = ContinuousClock.now
        var report = IngestReport(source: source, operation: .delete, embeddingModel: embedder.modelID)
        report.namespaces = try await index.namespaces(holdingSource: source.key).union([source.namespace])
        report.deleted = try await index.deleteEntries(fromSource: source.key, keeping: [:])
        report.finish(since: start)
        return report
    }

    private func write(
        _ records: [KnowledgeRecord], source: KnowledgeSource, kept: inout [String: Set<String>], before: inout PreviousEntries, unchanged: inout Int
    ) async throws {
        // What the index held is read before this version first writes to a namespace, then compared.
        for namespace in Set(records.map { $0.namespace ?? source.namespace }).sorted() {
            try await before.load(namespace, from: index)
        }
        unchanged += records.filter { before.isUnchanged($0, namespace: $0.namespace ?? source.namespace) }.count
        // One vector per question of each record: its own question, then each alternate.
        let questions = records.flatMap { record in record.questionVectors.map { (record, $0.vectorID, $0.question) } }
        let vectors = try await embedder.embed(questions.map { $0.0.embeddingText(for: $0.2) }, kind: .passage)
        guard vectors.count == questions.count else {
            throw ProviderError(provider: embedder.modelID, message: "returned \(vectors.count) vectors for \(questions.count) texts", isRetriable: false)
        }
        let entries = zip(questions, vectors).map { question, vector in
            let (record, vectorID, text) = question
            return IndexEntry(
                id: record.id, namespace: record.namespace ?? source.namespace, vector: vector,
                question: record.question, answer: record.answer, context: record.context, source: source.key,
                vectorID: vectorID, matchedQuestion: text, metadata: record.extra
            )
        }
        try await index.upsert(entries)
        for entry in entries { kept[entry.namespace, default: []].insert(entry.vectorID) }
    }
}

/// What the index held for a file's entries before its new version was written, read one namespace at a
/// time (only namespaces that held vectors of the file), to tell which accepted entries are unchanged: the
/// same vectors (question and alternates, by vector id), answer and context.
struct PreviousEntries {
    struct StoredVector: Hashable {
        var entryID: String
        var question: String
        var answer: String
        var context: String
    }

    /// Namespaces that held vectors of the file; others cannot hold its entries and are never read.
    let candidates: Set<String>
    private var vectors: [String: [String: StoredVector]] = [:]
    private var vectorsPerEntry: [String: [String: Int]] = [:]

    init(namespaces: Set<String>) {
        candidates = namespaces
    }

    /// Reads `namespace` once, before anything of the new version is written to it.
    mutating func load(_ namespace: String, from index: any VectorIndex) async throws {
        guard vectors[namespace] == nil else { return }
        var stored: [String: StoredVector] = [:]
        var counts: [String: Int] = [:]
        if candidates.contains(namespace) {
            for vector in try await index.vectors(in: namespace) {
                stored[vector.vectorID] = StoredVector(entryID: vector.entryID, question: vector.question, answer: vector.answer, context: vector.context)
                counts[vector.entryID, default: 0] += 1
            }
        }
        vectors[namespace] = stored
        vectorsPerEntry[namespace] = counts
    }

    func isUnchanged(_ record: KnowledgeRecord, namespace: String) -> Bool {
        let questions = record.questionVectors
        guard let stored = vectors[namespace], vectorsPerEntry[namespace]?[record.id] == questions.count else { return false }
        return questions.allSatisfy { vector in
            stored[vector.vectorID] == StoredVector(entryID: record.id, question: vector.question, answer: record.answer, context: record.context)
        }
    }
}
