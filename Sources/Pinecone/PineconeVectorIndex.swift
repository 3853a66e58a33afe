import AsyncHTTPClient
import Foundation
import RAGCore

/// Pinecone serverless as the `VectorIndex`: one namespace per knowledge domain; each vector's metadata
/// keeps what the Responder needs (question, answer, context, source file, namespace, entry id), so a
/// query alone can answer.
public actor PineconeVectorIndex: VectorIndex {
    private let http: PineconeHTTP
    private var resolvedHost: String?
    /// The look-up in flight, so that concurrent first calls share one control-plane request.
    private var resolving: Task<String, any Error>?

    public init(configuration: PineconeConfiguration, client: HTTPClient = .shared) {
        http = PineconeHTTP(configuration: configuration, client: client)
        resolvedHost = configuration.indexHost.map(Self.withScheme)
    }

    /// The data-plane base URL, resolved once from the control plane (`GET /indexes/{name}`).
    func host() async throws -> String {
        if let resolvedHost { return resolvedHost }
        if let resolving { return try await resolving.value }
        guard let name = http.configuration.indexName else {
            throw ProviderError(provider: "pinecone", message: "neither PINECONE_INDEX_HOST nor PINECONE_INDEX is set", isRetriable: false)
        }
        let http = self.http
        let lookUp = Task {
            let description = try await http.get(http.configuration.controlPlaneURL + "/indexes/\(name)")
            guard let host = description["host"] as? String else {
                throw ProviderError(provider: "pinecone", message: "index \(name) has no host in its description", isRetriable: false)
            }
            // The control plane answers a bare host; use the control plane's scheme (https, or http for a local peer).
            let scheme = URL(string: http.configuration.controlPlaneURL)?.scheme ?? "https"
            return host.contains("://") ? host : "\(scheme)://\(host)"
        }
        resolving = lookUp
        defer { resolving = nil }
        let base = try await lookUp.value
        resolvedHost = base
        return base
    }

    static func withScheme(_ host: String) -> String {
        host.contains("://") ? host : "https://\(host)"
    }

    public func upsert(_ entries: [IndexEntry]) async throws {
        let base = try await host()
        for (namespace, group) in Dictionary(grouping: entries, by: \.namespace) {
            var batch: [[String: Any]] = []
            var batchBytes = 0
            for entry in group {
                var metadata: [String: Any] = [
                    "entry_id": entry.id, "vector_id": entry.vectorID, "question": entry.question, "answer": entry.answer,
                    "context": entry.context, "source": entry.source, "namespace": entry.namespace,
                ]
                if entry.matchedQuestion != entry.question { metadata["matched_question"] = entry.matchedQuestion }
                // Pinecone metadata holds only flat values: the line's other fields travel as one JSON string.
                if !entry.metadata.isEmpty { metadata[Self.extraFieldsKey] = try Self.encodeExtraFields(entry.metadata) }
                let metadataBytes = try JSONSerialization.data(withJSONObject: metadata).count
                guard metadataBytes <= PineconeConfiguration.Limits.metadataBytes else {
                    throw ProviderError(provider: "pinecone", message: "entry \(entry.id): metadata is \(metadataBytes) bytes; Pinecone allows \(PineconeConfiguration.Limits.metadataBytes)", isRetriable: false)
                }
                let vector: [String: Any] = ["id": entry.vectorID, "values": entry.vector.map(Double.init), "metadata": metadata]
                // About 12 bytes per float in JSON, plus metadata and framing.
                let estimate = entry.vector.count * 12 + metadataBytes + entry.vectorID.utf8.count + 64
                if batch.count == PineconeConfiguration.Limits.vectorsPerUpsert || batchBytes + estimate > PineconeConfiguration.Limits.bytesPerUpsert - 4096 {
                    try await sendUpsert(batch, namespace: namespace, base: base)
                    batch.removeAll()
                    batchBytes = 0
                }
                batch.append(vector)
                batchBytes += estimate
            }
            if !batch.isEmpty { try await sendUpsert(batch, namespace: namespace, base: base) }
        }
    }

    private func sendUpsert(_ vectors: [[String: Any]], namespace: String, base: String) async throws {
        _ = try await http.post(base + "/vectors/upsert", try json(["namespace": namespace, "vectors": vectors]))
    }

    public func query(vector: [Float], topK: Int, namespace: String?) async throws -> [RetrievedMatch] {
        let base = try await host()
        let names: [String]
        if let namespace { names = [namespace] } else { names = try await namespaces() }
        var matches: [RetrievedMatch] = []
        try await withThrowingTaskGroup(of: [RetrievedMatch].self) { group in
            for name in names {
                group.addTask { [http] in
                    let answer = try await http.post(base + "/query", try json([
                        "namespace": name, "vector": vector.map(Double.init), "topK": topK, "includeMetadata": true, "includeValues": false,
                    ]))
                    return (answer["matches"] as? [[String: Any]] ?? []).compactMap { Self.match($0, namespace: name) }
                }
            }
            for try await found in group { matches += found }
        }
        matches.sort { $0.score != $1.score ? $0.score > $1.score : ($0.namespace, $0.id) < ($1.namespace, $1.id) }
        return Array(matches.prefix(topK))
    }

    static func match(_ object: [String: Any], namespace: String) -> RetrievedMatch? {
        guard let id = object["id"] as? String, let score = object["score"] as? Double else { return nil }
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        return RetrievedMatch(
            id: metadata["entry_id"] as? String ?? id, namespace: metadata["namespace"] as? String ?? namespace, score: score,
            question: metadata["question"] as? String ?? "", answer: metadata["answer"] as? String ?? "",
            context: metadata["context"] as? String ?? "", source: metadata["source"] as? String,
            vectorID: id, matchedQuestion: metadata["matched_question"] as? String
        )
    }

    /// Deletes by metadata filter (`source`, and `vector_id` absent or not among the kept ones). Pinecone does not
    /// say how many vectors a filter deleted, so this returns 0.
    @discardableResult
    public func deleteEntries(fromSource source: String, keeping: [String: Set<String>]) async throws -> Int {
        let base = try await host()
        for name in try await namespaces() {
            var filter: [String: Any] = ["source": ["$eq": source]]
            if let kept = keeping[name], !kept.isEmpty {
                // Vectors written before alternate questions have no `vector_id`; every vector still in the file
                // was just upserted with one, so those without it are stale too.
                let stale: [[String: Any]] = [["vector_id": ["$nin": kept.sorted()]], ["vector_id": ["$exists": false]]]
                filter = ["$and": [["source": ["$eq": source]], ["$or": stale]]]
            }
            _ = try await http.post(base + "/vectors/delete", try json(["namespace": name, "filter": filter]))
        }
        return 0
    }

    /// Every vector of the namespace with its values and entry: ids page by page (`GET /vectors/list`),
    /// then their records (`GET /vectors/fetch`).
    public func vectors(in namespace: String) async throws -> [KnowledgeVector] {
        let ids = try await listIDs(in: namespace)
        return try await records(ids: ids, namespace: namespace).compactMap { id, object in
            guard let values = object["values"] as? [Double], let match = Self.match(object.merging(["id": id, "score": 1.0]) { $1 }, namespace: namespace) else { return nil }
            return KnowledgeVector(
                vectorID: id, entryID: match.id, question: match.matchedQuestion ?? match.question, answer: match.answer,
                context: match.context, vector: values.map(Float.init)
            )
        }.sorted { $0.vectorID < $1.vectorID }
    }

    /// Every vector of the namespace as stored, with its entry's source and the line's other fields
    /// (`ragline export`): listed and fetched as `vectors(in:)` does.
    public func entries(in namespace: String) async throws -> [IndexEntry] {
        let ids = try await listIDs(in: namespace)
        return try await records(ids: ids, namespace: namespace).compactMap { id, object -> IndexEntry? in
            guard let values = object["values"] as? [Double], let match = Self.match(object.merging(["id": id, "score": 1.0]) { $1 }, namespace: namespace) else { return nil }
            let metadata = object["metadata"] as? [String: Any] ?? [:]
            return IndexEntry(
                id: match.id, namespace: namespace, vector: values.map(Float.init), question: match.question, answer: match.answer,
                context: match.context, source: match.source ?? "", vectorID: id, matchedQuestion: match.matchedQuestion,
                metadata: Self.decodeExtraFields(metadata[Self.extraFieldsKey])
            )
        }.sorted { $0.vectorID < $1.vectorID }
    }

    /// The metadata key of a line's uninterpreted fields, as one JSON object in a string.
    static let extraFieldsKey = "extra_fields"

    static func encodeExtraFields(_ fields: [String: JSONValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(fields), as: UTF8.self)
    }

    /// The fields back from their metadata string; none when absent or unreadable.
    static func decodeExtraFields(_ value: Any?) -> [String: JSONValue] {
        guard let text = value as? String else { return [:] }
        return (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) ?? [:]
    }

    /// The ids of every vector of the namespace, page by page (`GET /vectors/list`, 100 a page).
    private func listIDs(in namespace: String) async throws -> [String] {
        let base = try await host()
        var ids: [String] = []
        var token: String?
        repeat {
            var components = URLComponents(string: base + "/vectors/list")
            components?.queryItems = [URLQueryItem(name: "namespace", value: namespace), URLQueryItem(name: "limit", value: "100")]
                + (token.map { [URLQueryItem(name: "paginationToken", value: $0)] } ?? [])
            let page = try await http.get(components?.string ?? base)
            ids += (page["vectors"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            token = (page["pagination"] as? [String: Any])?["next"] as? String
        } while token != nil
        return ids
    }

    /// Entries by id (at most 1,000 ids a request, so larger lists are split).
    public func fetch(ids: [String], namespace: String) async throws -> [RetrievedMatch] {
        try await records(ids: ids, namespace: namespace).compactMap { id, object in
            Self.match(object.merging(["id": id, "score": 1.0]) { $1 }, namespace: namespace)
        }.sorted { $0.id < $1.id }
    }

    /// The raw records of `ids` (values and metadata), by id, 1,000 ids a request.
    private func records(ids: [String], namespace: String) async throws -> [(String, [String: Any])] {
        let base = try await host()
        var found: [(String, [String: Any])] = []
        var start = 0
        while start < ids.count {
            let end = min(start + 1000, ids.count)
            var components = URLComponents(string: base + "/vectors/fetch")
            components?.queryItems = ids[start..<end].map { URLQueryItem(name: "ids", value: $0) } + [URLQueryItem(name: "namespace", value: namespace)]
            let answer = try await http.get(components?.string ?? base)
            for (id, value) in (answer["vectors"] as? [String: Any]) ?? [:] {
                found.append((id, value as? [String: Any] ?? [:]))
            }
            start = end
        }
        return found
    }

    /// Deletes entries by id (at most 1,000 a request).
    public func delete(ids: [String], namespace: String) async throws {
        let base = try await host()
        var start = 0
        while start < ids.count {
            let end = min(start + 1000, ids.count)
            _ = try await http.post(base + "/vectors/delete", try json(["namespace": namespace, "ids": Array(ids[start..<end])]))
            start = end
        }
    }

    public func namespaces() async throws -> [String] {
        let stats = try await http.post(try await host() + "/describe_index_stats", Data("{}".utf8))
        return ((stats["namespaces"] as? [String: Any]) ?? [:]).keys.sorted()
    }
}
