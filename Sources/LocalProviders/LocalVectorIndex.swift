import Foundation
import RAGCore

/// The embedded vector index: exact cosine search over every stored vector, one file per namespace under
/// `$RAGLINE_DATA_DIR/index`, so a restart keeps the knowledge.
///
/// Files are replaced atomically on every change, and each read checks their modification time, so a
/// Retriever process sees what an IngestWorker process wrote.
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
    }

    private struct NamespaceFile: Codable, Sendable {
        var namespace: String
        var entries: [StoredEntry]
    }

    private struct LoadedNamespace {
        var entries: [String: StoredEntry]
        var modified: Date?
    }

    private let directory: URL
    private var namespacesByName: [String: LoadedNamespace] = [:]

    public init(directory: String) throws {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
    }

    public func upsert(_ entries: [IndexEntry]) async throws {
        let byNamespace = Dictionary(grouping: entries, by: \.namespace)
        for (namespace, group) in byNamespace {
            var loaded = try load(namespace)
            for entry in group {
                loaded.entries[entry.vectorID] = StoredEntry(
                    id: entry.id, question: entry.question, answer: entry.answer, context: entry.context,
                    source: entry.source, vector: VectorMath.normalized(entry.vector),
                    vectorID: entry.vectorID, matchedQuestion: entry.matchedQuestion == entry.question ? nil : entry.matchedQuestion
                )
            }
            try save(namespace, loaded)
        }
    }

    public func query(vector: [Float], topK: Int, namespace: String?) async throws -> [RetrievedMatch] {
        let target = VectorMath.normalized(vector)
        let names = try namespace.map { [$0] } ?? namespaces()
        var matches: [RetrievedMatch] = []
        for name in names {
            let loaded = try load(name)
            for (vectorID, entry) in loaded.entries where entry.vector.count == target.count {
                matches.append(RetrievedMatch(
                    id: entry.id, namespace: name, score: Double(VectorMath.dot(target, entry.vector)), question: entry.question,
                    answer: entry.answer, context: entry.context, source: entry.source,
                    vectorID: vectorID, matchedQuestion: entry.matchedQuestion
                ))
            }
        }
        matches.sort { $0.score != $1.score ? $0.score > $1.score : ($0.namespace, $0.vectorID ?? $0.id) < ($1.namespace, $1.vectorID ?? $1.id) }
        return Array(matches.prefix(topK))
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
        try load(namespace).entries.sorted { $0.key < $1.key }.map { vectorID, entry in
            KnowledgeVector(
                vectorID: vectorID, entryID: entry.id, question: entry.matchedQuestion ?? entry.question,
                answer: entry.answer, context: entry.context, vector: entry.vector
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
        let modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
        if let cached = namespacesByName[namespace], cached.modified == modified { return cached }
        guard modified != nil else {
            let empty = LoadedNamespace(entries: [:], modified: nil)
            namespacesByName[namespace] = empty
            return empty
        }
        let file = try JSONDecoder().decode(NamespaceFile.self, from: Data(contentsOf: url))
        let loaded = LoadedNamespace(entries: Dictionary(file.entries.map { ($0.vectorID ?? $0.id, $0) }, uniquingKeysWith: { _, last in last }), modified: modified)
        namespacesByName[namespace] = loaded
        return loaded
    }

    private func save(_ namespace: String, _ loaded: LoadedNamespace) throws {
        let url = fileURL(namespace)
        var loaded = loaded
        if loaded.entries.isEmpty {
            try? FileManager.default.removeItem(at: url)
            loaded.modified = nil
        } else {
            let file = NamespaceFile(namespace: namespace, entries: loaded.entries.sorted { $0.key < $1.key }.map(\.value))
            try JSONEncoder().encode(file).write(to: url, options: .atomic)
            loaded.modified = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
        }
        namespacesByName[namespace] = loaded
    }
}
