import Foundation
import RAGCore

/// The embedded vector index: exact cosine search over every stored vector, one file per namespace under
/// `$RAGLINE_DATA_DIR/index`, so a restart keeps the knowledge.
///
/// Files are replaced atomically on every change, and each read checks their stamp (inode, size and times),
/// so a Retriever process sees what an IngestWorker process wrote.
///
/// The directory also records the embedding model of its vectors (`EmbeddingModelRecord`), so that vectors
/// of two models never mix: an index bound to its embedder (`init(directory:model:)` or `bind`) refuses
/// another model at start, and every index refuses vectors of another dimension than those it holds.
public actor LocalVectorIndex: VectorIndex {
    private struct StoredEntry: Codable, Sendable {
        var id: String
        var question: String
        var answer: String
        var context: String
        var source: String
        var vector: [Float]
        /// Absent in files written before alternate questions: the vector is then the entry's own.
        var vectorID: String?
        var matchedQuestion: String?
        /// The line's uninterpreted fields; absent when there are none (and in files written before they were kept).
        var metadata: [String: JSONValue]?
    }

    private struct NamespaceFile: Codable, Sendable {
        var namespace: String
        var entries: [StoredEntry]
    }

    private struct LoadedNamespace {
        var entries: [String: StoredEntry]
        var stamp: FileStamp?
    }

    /// Only the vectors of a namespace file, to learn their dimension.
    private struct VectorsOnly: Decodable {
        struct Entry: Decodable { var vector: [Float] }
        var entries: [Entry]
    }

    private let directory: URL
    private let record: EmbeddingModelRecord
    private var namespacesByName: [String: LoadedNamespace] = [:]
    /// The record's bytes and the model they name, as last read: the record is read on every query, and
    /// decoded only when its bytes change.
    private var lastRecord: (bytes: Data, model: EmbeddingModel)?
    /// The model of the embedder this index serves, once bound.
    public private(set) var boundModel: EmbeddingModel?

    /// Opens (creating it if needed) the index in `directory`; with `model`, binds it to that model as
    /// `bind` does, and throws `EmbeddingModelError` if the directory holds vectors of another one.
    public init(directory: String, model: EmbeddingModel? = nil) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let record = EmbeddingModelRecord(directory: url)
        if let model { try LocalVectorIndex.bindDirectory(url, record: record, to: model) }
        boundModel = model
        self.directory = url
        self.record = record
    }

    /// Binds this index to the embedder that fills or searches it; call it once at start. An index without
    /// vectors or record records `model`; one that records the same model and dimension is fine; one from
    /// before the record (vectors, no record) records `model` if its vectors have that dimension. Otherwise
    /// throws `EmbeddingModelError` (`.otherModel`), one line naming both models and how to fix it.
    public func bind(model: String, dimensions: Int) throws {
        let requested = EmbeddingModel(id: model, dimensions: dimensions)
        try Self.bindDirectory(directory, record: record, to: requested)
        boundModel = requested
    }

    /// The model recorded in the index at `directory`, or nil when it records none.
    public static func recordedModel(inDirectory directory: String) throws -> EmbeddingModel? {
        try EmbeddingModelRecord(directory: URL(fileURLWithPath: directory, isDirectory: true)).read()
    }

    public func upsert(_ entries: [IndexEntry]) async throws {
        try checkDimensions(of: entries)
        let byNamespace = Dictionary(grouping: entries, by: \.namespace)
        for (namespace, group) in byNamespace {
            var loaded = try load(namespace)
            for entry in group {
                loaded.entries[entry.vectorID] = StoredEntry(
                    id: entry.id, question: entry.question, answer: entry.answer, context: entry.context,
                    source: entry.source, vector: VectorMath.normalized(entry.vector),
                    vectorID: entry.vectorID, matchedQuestion: entry.matchedQuestion == entry.question ? nil : entry.matchedQuestion,
                    metadata: entry.metadata.isEmpty ? nil : entry.metadata
                )
            }
            try save(namespace, loaded)
        }
    }

    public func query(vector: [Float], topK: Int, namespace: String?) async throws -> [RetrievedMatch] {
        try checkBinding(beforeWriting: false)
        if let boundModel, vector.count != boundModel.dimensions {
            throw EmbeddingModelError.otherDimensions(vector.count, vectorID: nil, held: boundModel, dimensions: boundModel.dimensions, directory: directory.path)
        }
        let target = VectorMath.normalized(vector)
        let names = try namespace.map { [$0] } ?? namespaces()
        let loaded = try names.map { try load($0) }
        // Scores first, matches only for the kept ones: a match copies five texts.
        var scored: [(score: Double, namespace: Int, vectorID: String)] = []
        for (position, namespace) in loaded.enumerated() {
            for (vectorID, entry) in namespace.entries where entry.vector.count == target.count {
                scored.append((Double(VectorMath.dot(target, entry.vector)), position, vectorID))
            }
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : (names[$0.namespace], $0.vectorID) < (names[$1.namespace], $1.vectorID) }
        return scored.prefix(max(0, topK)).compactMap { kept in
            guard let entry = loaded[kept.namespace].entries[kept.vectorID] else { return nil }
            return RetrievedMatch(
                id: entry.id, namespace: names[kept.namespace], score: kept.score, question: entry.question,
                answer: entry.answer, context: entry.context, source: entry.source,
                vectorID: kept.vectorID, matchedQuestion: entry.matchedQuestion
            )
        }
    }

    @discardableResult
    public func deleteEntries(fromSource source: String, keeping: [String: Set<String>]) async throws -> Int {
        var deleted = 0
        for name in try namespaces() {
            var loaded = try load(name)
            let keep = keeping[name] ?? []
            let doomed = loaded.entries.filter { $0.value.source == source && !keep.contains($0.key) }.map(\.key)
            guard !doomed.isEmpty else { continue }
            for id in doomed { loaded.entries[id] = nil }
            deleted += doomed.count
            try save(name, loaded)
        }
        return deleted
    }

    public func namespaces() throws -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    public func vectors(in namespace: String) throws -> [KnowledgeVector] {
        try checkBinding(beforeWriting: false)
        return try load(namespace).entries.sorted { $0.key < $1.key }.map { vectorID, entry in
            KnowledgeVector(
                vectorID: vectorID, entryID: entry.id, question: entry.matchedQuestion ?? entry.question,
                answer: entry.answer, context: entry.context, vector: entry.vector
            )
        }
    }

    public func entries(in namespace: String) async throws -> [IndexEntry] {
        try checkBinding(beforeWriting: false)
        return try load(namespace).entries.sorted { $0.key < $1.key }.map { vectorID, entry in
            IndexEntry(
                id: entry.id, namespace: namespace, vector: entry.vector, question: entry.question, answer: entry.answer,
                context: entry.context, source: entry.source, vectorID: vectorID, matchedQuestion: entry.matchedQuestion,
                metadata: entry.metadata ?? [:]
            )
        }
    }

    public func namespaces(holdingSource source: String) throws -> Set<String> {
        Set(try namespaces().filter { try load($0).entries.values.contains { $0.source == source } })
    }

    /// Number of vectors per namespace (for `/readyz` details and tests).
    public func counts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for name in try namespaces() { counts[name] = try load(name).entries.count }
        return counts
    }

    private func fileURL(_ namespace: String) -> URL {
        directory.appendingPathComponent(namespace + ".json")
    }

    private func load(_ namespace: String) throws -> LoadedNamespace {
        let url = fileURL(namespace)
        let stamp = FileStamp(path: url.path)
        if let cached = namespacesByName[namespace], cached.stamp == stamp { return cached }
        guard stamp != nil else {
            let empty = LoadedNamespace(entries: [:], stamp: nil)
            namespacesByName[namespace] = empty
            return empty
        }
        let file = try JSONDecoder().decode(NamespaceFile.self, from: Data(contentsOf: url))
        let loaded = LoadedNamespace(entries: Dictionary(file.entries.map { ($0.vectorID ?? $0.id, $0) }, uniquingKeysWith: { _, last in last }), stamp: stamp)
        namespacesByName[namespace] = loaded
        return loaded
    }

    private func save(_ namespace: String, _ loaded: LoadedNamespace) throws {
        let url = fileURL(namespace)
        var loaded = loaded
        if loaded.entries.isEmpty {
            try? FileManager.default.removeItem(at: url)
            loaded.stamp = nil
        } else {
            let file = NamespaceFile(namespace: namespace, entries: loaded.entries.sorted { $0.key < $1.key }.map(\.value))
            try JSONEncoder().encode(file).write(to: url, options: .atomic)
            loaded.stamp = FileStamp(path: url.path)
        }
        namespacesByName[namespace] = loaded
    }

    // MARK: The embedding model

    /// Refuses a batch whose vectors differ in dimension from the index's (bound, recorded, or those it
    /// holds), or from each other.
    private func checkDimensions(of entries: [IndexEntry]) throws {
        guard let first = entries.first else { return }
        try checkBinding(beforeWriting: true)
        let held = try boundModel ?? currentRecord()
        guard let dimensions = try held?.dimensions ?? storedDimension() else {
            if let odd = entries.first(where: { $0.vector.count != first.vector.count }) {
                throw EmbeddingModelError.mixedDimensions([first.vector.count, odd.vector.count], vectorID: odd.vectorID, directory: directory.path)
            }
            return
        }
        if let odd = entries.first(where: { $0.vector.count != dimensions }) {
            throw EmbeddingModelError.otherDimensions(odd.vector.count, vectorID: odd.vectorID, held: held, dimensions: dimensions, directory: directory.path)
        }
    }

    /// Checks that the record still names the bound model: the directory may have been removed and filled by
    /// another process since. Before a write, a record that went missing is written again.
    private func checkBinding(beforeWriting: Bool) throws {
        guard let boundModel else { return }
        switch try currentRecord() {
        case .some(let recorded) where recorded == boundModel:
            return
        case .some(let recorded):
            let holdsVectors = try !namespaces().isEmpty
            throw EmbeddingModelError.otherModel(recorded, requested: boundModel, directory: directory.path, holdsVectors: holdsVectors)
        case .none:
            guard beforeWriting else { return }
            try Self.bindDirectory(directory, record: record, to: boundModel)
        }
    }

    /// The recorded model, read on every call: a tiny file, and a directory replaced within the same clock
    /// tick would fool a check of its modification time. Its bytes are decoded only when they change.
    private func currentRecord() throws -> EmbeddingModel? {
        guard let bytes = try record.contents() else {
            lastRecord = nil
            return nil
        }
        if let lastRecord, lastRecord.bytes == bytes { return lastRecord.model }
        let model = try record.decode(bytes)
        lastRecord = (bytes, model)
        return model
    }

    /// The dimension of a stored vector, or nil when the index holds none.
    private func storedDimension() throws -> Int? {
        for name in try namespaces() {
            if let entry = try load(name).entries.values.first { return entry.vector.count }
        }
        return nil
    }

    /// Binds the index in `directory` to `model` (see `bind(model:dimensions:)`).
    private static func bindDirectory(_ directory: URL, record: EmbeddingModelRecord, to model: EmbeddingModel) throws {
        let recorded: EmbeddingModel
        if let existing = try record.read() {
            recorded = existing
        } else {
            let stored = try storedDimensions(in: directory)
            guard stored.isEmpty || stored == [model.dimensions] else {
                throw EmbeddingModelError.unrecordedModel(dimensions: stored.sorted(), requested: model, directory: directory.path)
            }
            recorded = try record.create(model)
        }
        guard recorded != model else { return }
        let holdsVectors = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.contains { $0.hasSuffix(".json") } ?? false
        throw EmbeddingModelError.otherModel(recorded, requested: model, directory: directory.path, holdsVectors: holdsVectors)
    }

    /// The dimensions of the vectors stored in `directory`, read from its files (an index without record).
    private static func storedDimensions(in directory: URL) throws -> Set<Int> {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var dimensions: Set<Int> = []
        for file in files where file.hasSuffix(".json") {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            dimensions.formUnion(try JSONDecoder().decode(VectorsOnly.self, from: data).entries.map(\.vector.count))
        }
        return dimensions
    }
}
