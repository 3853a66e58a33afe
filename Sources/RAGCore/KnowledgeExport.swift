/// `ragline export`'s pure part: reads an index's vectors, folds them back into knowledge records (an
/// entry's own vector and its `<id>#alt-<n>` vectors become one record with its alternate questions), one
/// file per source key, and writes each record as a knowledge line that `KnowledgeLineParser` reads back as
/// the same record. Writing the files is the command's job.
public enum KnowledgeExport {
    /// One output file: the object key its entries came from and its records, ordered by namespace and id.
    public struct File: Sendable, Hashable {
        /// The object key the entries were ingested from (`IndexEntry.source`).
        public var source: String
        /// Where the file goes under the output directory: the source key as a safe relative path.
        public var relativePath: String
        public var records: [KnowledgeRecord]
        /// How many vectors the records were folded from (each entry's question plus its alternates).
        public var vectorCount: Int

        public init(source: String, relativePath: String, records: [KnowledgeRecord], vectorCount: Int) {
            self.source = source
            self.relativePath = relativePath
            self.records = records
            self.vectorCount = vectorCount
        }

        /// The file's JSONL text: one line per record, each ending with a newline.
        public var contents: String {
            records.map { KnowledgeExport.line(for: $0) + "\n" }.joined()
        }
    }

    /// Every vector the index holds, or those of `namespace` (none when the index has no such namespace).
    public static func entries(of index: any VectorIndex, namespace: String? = nil) async throws -> [IndexEntry] {
        let held = try await index.namespaces()
        let names: [String]
        if let namespace {
            // Only a namespace the index lists: a name is never turned into a path or a request otherwise.
            names = held.contains(namespace) ? [namespace] : []
        } else {
            names = held
        }
        var entries: [IndexEntry] = []
        for name in names {
            entries += try await index.entries(in: name)
        }
        return entries
    }

    /// Folds vectors into records, grouped into one file per source key (files ordered by key).
    public static func files(from entries: [IndexEntry]) -> [File] {
        struct EntryKey: Hashable {
            var source: String
            var namespace: String
            var id: String
        }
        var groups: [EntryKey: [IndexEntry]] = [:]
        for entry in entries {
            groups[EntryKey(source: entry.source, namespace: entry.namespace, id: entry.id), default: []].append(entry)
        }
        var bySource: [String: [(namespace: String, record: KnowledgeRecord, vectors: Int)]] = [:]
        for (key, vectors) in groups {
            let folded = record(from: vectors, namespace: key.namespace)
            bySource[key.source, default: []].append((namespace: key.namespace, record: folded, vectors: vectors.count))
        }
        var usedPaths: Set<String> = []
        return bySource.keys.sorted().map { source in
            let folded = (bySource[source] ?? []).sorted { ($0.namespace, $0.record.id) < ($1.namespace, $1.record.id) }
            let path = uniquePath(relativePath(forSource: source), used: &usedPaths)
            return File(source: source, relativePath: path, records: folded.map(\.record), vectorCount: folded.reduce(0) { $0 + $1.vectors })
        }
    }

    /// One entry's record from its vectors (all with the same source, namespace and id): the question,
    /// answer, context and metadata of its own vector, the alternates in the order of their numbers.
    ///
    /// The record always names its namespace (when it is one a line may name), so that the file lands its
    /// entries in the same namespaces however it is ingested again: under its key, or by `ragline ingest`,
    /// which takes a file's namespace from its name.
    static func record(from vectors: [IndexEntry], namespace: String) -> KnowledgeRecord {
        let ordered = vectors.sorted { order(of: $0) < order(of: $1) }
        // The entry's own vector sorts first; an index missing it still holds the entry's fields on each vector.
        let own = ordered.first { $0.vectorID == $0.id } ?? ordered[0]
        var alternates: [String] = []
        for vector in ordered where vector.vectorID != vector.id {
            let question = vector.matchedQuestion
            if question != own.question, !alternates.contains(question) { alternates.append(question) }
        }
        return KnowledgeRecord(
            id: own.id, question: own.question, answer: own.answer, context: own.context, alternateQuestions: alternates,
            namespace: KnowledgeLineParser.isValidNamespace(namespace) ? namespace : nil,
            extra: own.metadata.filter { !reservedFields.contains($0.key) }
        )
    }

    /// Sort key of a vector within its entry: its own first, then `#alt-<n>` by n, then anything else by id.
    private static func order(of vector: IndexEntry) -> (Int, Int, String) {
        if vector.vectorID == vector.id { return (0, 0, vector.vectorID) }
        let prefix = vector.id + "#alt-"
        if vector.vectorID.hasPrefix(prefix), let number = Int(vector.vectorID.dropFirst(prefix.count)) {
            return (1, number, vector.vectorID)
        }
        return (2, 0, vector.vectorID)
    }

    /// The fields a knowledge line gives a meaning to; metadata never overrides them.
    static let reservedFields: Set<String> = ["id", "question", "answer", "context", "namespace", "alternate_questions"]

    /// The source key as a relative path that stays inside the output directory and ends in `.jsonl`
    /// (`knowledge/transport/transport.jsonl` stays as it is).
    public static func relativePath(forSource source: String) -> String {
        var components = source.split(separator: "/").map(String.init).filter { !$0.isEmpty && $0 != "." }.map { $0 == ".." ? "_" : $0 }
        if components.isEmpty { components = ["no-source.jsonl"] }
        if !components[components.count - 1].lowercased().hasSuffix(".jsonl") { components[components.count - 1] += ".jsonl" }
        return components.joined(separator: "/")
    }

    /// `path`, or `path` with `-2`, `-3`, ... before `.jsonl` when another source took it already.
    private static func uniquePath(_ path: String, used: inout Set<String>) -> String {
        var candidate = path
        var number = 1
        while used.contains(candidate.lowercased()) {
            number += 1
            candidate = String(path.dropLast(".jsonl".count)) + "-\(number).jsonl"
        }
        used.insert(candidate.lowercased())
        return candidate
    }

    /// The record as one knowledge line (no newline): `id`, `question`, `answer`, then `context`,
    /// `alternate_questions` and `namespace` when present, then the other fields by name.
    public static func line(for record: KnowledgeRecord) -> String {
        var fields: [(String, JSONValue)] = [("id", .string(record.id)), ("question", .string(record.question)), ("answer", .string(record.answer))]
        if !record.context.isEmpty { fields.append(("context", .string(record.context))) }
        if !record.alternateQuestions.isEmpty { fields.append(("alternate_questions", .array(record.alternateQuestions.map { JSONValue.string($0) }))) }
        if let namespace = record.namespace { fields.append(("namespace", .string(namespace))) }
        for (name, value) in record.extra.sorted(by: { $0.key < $1.key }) where !reservedFields.contains(name) {
            fields.append((name, value))
        }
        return "{" + fields.map { JSONText.quoted($0.0) + ":" + json($0.1) }.joined(separator: ",") + "}"
    }

    /// Compact JSON with object keys in order, so that an export is the same from one run to the next.
    static func json(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return JSONText.quoted(text)
        case .number(let number): return numberText(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map { json($0) }.joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.sorted { $0.key < $1.key }.map { JSONText.quoted($0.key) + ":" + json($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// Whole numbers without a fraction (`3`, not `3.0`); others as Swift's shortest round-tripping form.
    private static func numberText(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return "\(number)"
    }
}
